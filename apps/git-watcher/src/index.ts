export * from './applicationController.js';
export * from './applicationSpec.js';
export * from './desiredObjects.js';
export * from './repoSources.js';
export * from './startGitWatcher.js';
export * from './tracking.js';
export * from './managedObjects.js';
export * from './syncPreview.js';
export { imageControllers } from './images/imageControllers.js';
