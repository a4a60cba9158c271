import type { Controller } from '@skiff/controller-runtime';
import type { ControllerConfig } from './config.js';

/** Every controller this process can run, by name (`--controllers` picks a subset). */
export const CONTROLLERS: Record<string, (config: ControllerConfig) => Controller> = {
};
