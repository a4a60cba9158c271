import { builtinOpenApi } from './openapi/openApiSchemas.js';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { defaultDaemonSet } from '../defaults/daemonSet.js';
import { defaultDeployment, defaultReplicaSet } from '../defaults.js';
import { defaultStatefulSet } from '../defaults/statefulSet.js';
import { DEPLOYMENT_MESSAGE, REPLICA_SET_MESSAGE } from '../protobuf/message.js';
import { resourceType } from '../resources.js';
import { deploymentPrinter, replicaSetPrinter } from '../tables/builtinPrinters.js';
import { controllerRevisionPrinter, statefulSetPrinter } from '../tables/statefulSet.js';
import { daemonSetPrinter } from '../tables/daemonSet.js';
import { validateDaemonSet, validateDaemonSetUpdate } from '../validation/daemonSet.js';
import { validateDeployment, validateReplicaSet, validateSelectorUpdate } from '../validation/apps.js';
import { validateControllerRevision, validateControllerRevisionUpdate, validateStatefulSet, validateStatefulSetUpdate } from '../validation/statefulSet.js';
import { prepareDaemonSetForCreate, prepareDaemonSetForUpdate } from './daemonSetStrategy.js';
import { defineKind, type Kind } from './kind.js';
import { CONDITIONS, podSpecLists } from './podSpecLists.js';

// The apps/v1 kinds.

export const DEPLOYMENT: Kind = {
  ...resourceType('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  openApi: builtinOpenApi('V1Deployment'),
  defaults: defaultDeployment,
  validate: validateDeployment,
  validateUpdate: validateSelectorUpdate,
  printer: deploymentPrinter,
  lists: { ...podSpecLists('spec.template.spec'), ...CONDITIONS },
  protobuf: DEPLOYMENT_MESSAGE,
};

export const REPLICA_SET: Kind = {
  ...resourceType('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  openApi: builtinOpenApi('V1ReplicaSet'),
  defaults: defaultReplicaSet,
  validate: validateReplicaSet,
  validateUpdate: validateSelectorUpdate,
  printer: replicaSetPrinter,
  lists: { ...podSpecLists('spec.template.spec'), ...CONDITIONS },
  protobuf: REPLICA_SET_MESSAGE,
};

export const STATEFUL_SET: Kind = {
  ...resourceType('apps', 'v1', 'statefulsets', 'StatefulSet', true, { shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'] }),
  openApi: builtinOpenApi('V1StatefulSet'),
  defaults: defaultStatefulSet,
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
  printer: statefulSetPrinter,
  lists: { ...podSpecLists('spec.template.spec'), ...CONDITIONS },
};

/** Immutable snapshots of a StatefulSet's (or DaemonSet's) template, for rollout history and undo. */
export const CONTROLLER_REVISION: Kind = {
  ...resourceType('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  openApi: builtinOpenApi('V1ControllerRevision'),
  validate: validateControllerRevision,
  validateUpdate: validateControllerRevisionUpdate,
  printer: controllerRevisionPrinter,
};

export const DAEMON_SET: Kind = {
  ...defineKind<DaemonSet>({
    ...resourceType('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
    defaults: defaultDaemonSet,
    validate: validateDaemonSet,
    validateUpdate: validateDaemonSetUpdate,
    printer: daemonSetPrinter,
    lists: { ...podSpecLists('spec.template.spec'), ...CONDITIONS },
    openApi: builtinOpenApi('V1DaemonSet'),
  }),
  prepareForCreate: prepareDaemonSetForCreate,
  prepareForUpdate: prepareDaemonSetForUpdate,
};
