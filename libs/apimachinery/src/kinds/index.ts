export * from './kind.js';
export * from './registry.js';
export { podSpecLists, CONDITIONS } from './podSpecLists.js';
export { podQosClass } from './podQosClass.js';
export * from './core.js';
export * from './apps.js';
export * from './coordination.js';
export * from './skiff.js';
export * from './autoscaling.js';
