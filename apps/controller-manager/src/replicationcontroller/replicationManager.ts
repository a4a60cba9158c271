import { selectorFromLabelSelector, shape } from '@skiff/apimachinery';
import type { Controller } from '@skiff/controller-runtime';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import { replicaController, type ReplicaKind } from '../replicaset/replicaSetController.js';
import { REPLICATIONCONTROLLERS } from '../resources.js';

/**
 * A ReplicationController is a ReplicaSet whose selector is a plain label map: the same replica
 * logic (adoption, release, slow-start creates, deletion order, status) runs it, as Kubernetes'
 * replication manager runs the ReplicaSet controller through an adapter.
 */
export const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  name: 'replicationcontroller',
  type: REPLICATIONCONTROLLERS,
  selector: (rc) => selectorFromLabelSelector({ matchLabels: shape<ReplicationController>(rc).spec?.selector ?? {} }),
};

export function replicationManager(): Controller {
  return replicaController(REPLICATION_CONTROLLER_KIND);
}
