export * from './config.js';
export * from './controllers.js';
export * from './resources.js';
export * from './startControllerManager.js';
