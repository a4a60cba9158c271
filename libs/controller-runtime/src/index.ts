export * from './controller.js';
export * from './credentials.js';
export * from './events.js';
export * from './manager.js';
export * from './metrics.js';
export * from './metricsServer.js';
export * from './processLifecycle.js';
