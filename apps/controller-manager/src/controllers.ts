import type { Controller } from '@skiff/controller-runtime';
import type { ControllerConfig } from './config.js';
import { garbageCollectorControllers } from './garbagecollector/garbageCollector.js';
import { namespaceController } from './namespace/namespaceController.js';
import { nodeLifecycleController } from './nodelifecycle/nodeLifecycleController.js';
import { deploymentController } from './deployment/deploymentController.js';
import { disruptionController } from './disruption/disruptionController.js';
import { endpointsController } from './endpoints/endpointsController.js';
import { replicaSetController } from './replicaset/replicaSetController.js';
import { horizontalPodAutoscalerController } from './podautoscaler/horizontalPodAutoscalerController.js';
import { resourceQuotaController } from './resourcequota/resourceQuotaController.js';
import { jobController } from './job/jobController.js';
import { cronJobController } from './cronjob/cronJobController.js';
import { ttlAfterFinishedController } from './ttlafterfinished/ttlAfterFinishedController.js';

/**
 * Every controller this process can run, by name (`--controllers` picks a subset). A name may stand
 * for several controllers: the garbage collector runs one per kind it collects.
 */
export const CONTROLLERS: Record<string, (config: ControllerConfig) => Controller | Controller[]> = {
  garbagecollector: () => garbageCollectorControllers(),
  namespace: () => namespaceController(),
  nodelifecycle: (config) => nodeLifecycleController(config),
  replicaset: () => replicaSetController(),
  deployment: () => deploymentController(),
  endpoints: () => endpointsController(),
  resourcequota: () => resourceQuotaController(),
  horizontalpodautoscaling: (config) => horizontalPodAutoscalerController(config),
  job: () => jobController(),
  cronjob: () => cronJobController(),
  ttlafterfinished: () => ttlAfterFinishedController(),
  disruption: () => disruptionController(),
};
