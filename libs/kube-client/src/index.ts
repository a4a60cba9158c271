export * from './client.js';
export * from './informer.js';
export * from './conditionWaiter.js';
export * from './discovery.js';
export * from './requestRateLimiter.js';
