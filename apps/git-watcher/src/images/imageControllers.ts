import type { Controller } from '@skiff/controller-runtime';
import { imagePolicyController } from './imagePolicyController.js';
import { imageRepositoryController } from './imageRepositoryController.js';
import { imageUpdateAutomationController, type ImageUpdateAutomationControllerOptions } from './imageUpdateAutomationController.js';

/** Image update automation (Flux's image-reflector and image-automation controllers), run by the git watcher. */
export function imageControllers(opts: ImageUpdateAutomationControllerOptions = {}): Controller[] {
  return [imageRepositoryController(), imagePolicyController(), imageUpdateAutomationController(opts)];
}
