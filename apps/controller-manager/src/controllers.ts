import type { Controller } from '@skiff/controller-runtime';
import type { ControllerConfig } from './config.js';
import { garbageCollectorControllers } from './garbagecollector/garbageCollector.js';
import { namespaceController } from './namespace/namespaceController.js';
import { nodeLifecycleController } from './nodelifecycle/nodeLifecycleController.js';
import { daemonSetController } from './daemon/daemonSetController.js';
import { deploymentController } from './deployment/deploymentController.js';
import { disruptionController } from './disruption/disruptionController.js';
import { endpointsController } from './endpoints/endpointsController.js';
import { endpointSliceController } from './endpointslice/endpointSliceController.js';
import { endpointSliceMirroringController } from './endpointslice/endpointSliceMirroringController.js';
import { replicaSetController } from './replicaset/replicaSetController.js';
import { podGarbageCollector } from './podgc/podGarbageCollector.js';
import { replicationManager } from './replicationcontroller/replicationManager.js';
import { horizontalPodAutoscalerController } from './podautoscaler/horizontalPodAutoscalerController.js';
import { resourceQuotaController } from './resourcequota/resourceQuotaController.js';
import { jobController } from './job/jobController.js';
import { cronJobController } from './cronjob/cronJobController.js';
import { ttlAfterFinishedController } from './ttlafterfinished/ttlAfterFinishedController.js';
import { claimBinderController } from './persistentvolume/claimBinderController.js';
import { localPathProvisioner } from './persistentvolume/localPathProvisioner.js';
import { claimProtectionController, volumeProtectionController } from './persistentvolume/storageProtectionControllers.js';
import { volumeBinderController } from './persistentvolume/volumeBinderController.js';
import { serviceAccountsController } from './serviceaccount/serviceAccountsController.js';
import { rootCaCertPublisher } from './rootcacertpublisher/rootCaCertPublisher.js';
import { statefulSetController } from './statefulset/statefulSetController.js';

/**
 * Every controller this process can run, by name (`--controllers` picks a subset). A name may stand
 * for several controllers: the garbage collector runs one per kind it collects.
 */
export const CONTROLLERS: Record<string, (config: ControllerConfig) => Controller | Controller[]> = {
  garbagecollector: () => garbageCollectorControllers(),
  namespace: () => namespaceController(),
  serviceaccount: () => serviceAccountsController(),
  // Runs only when given the cluster CA to publish (--root-ca-file).
  'root-ca-cert-publisher': (config) => (config.rootCaPem ? rootCaCertPublisher(config.rootCaPem) : []),
  nodelifecycle: (config) => nodeLifecycleController(config),
  podgc: (config) => podGarbageCollector(config),
  replicaset: () => replicaSetController(),
  replicationcontroller: () => replicationManager(),
  deployment: () => deploymentController(),
  statefulset: () => statefulSetController(),
  daemonset: () => daemonSetController(),
  endpoints: () => endpointsController(),
  endpointslice: () => endpointSliceController(),
  endpointslicemirroring: () => endpointSliceMirroringController(),
  resourcequota: () => resourceQuotaController(),
  horizontalpodautoscaling: (config) => horizontalPodAutoscalerController(config),
  job: () => jobController(),
  cronjob: () => cronJobController(),
  ttlafterfinished: () => ttlAfterFinishedController(),
  disruption: () => disruptionController(),
  'persistentvolume-binder': () => [claimBinderController(), volumeBinderController()],
  'local-path-provisioner': () => localPathProvisioner(),
  'pvc-protection': () => claimProtectionController(),
  'pv-protection': () => volumeProtectionController(),
};
