import { builtinOpenApi } from './openapi/openApiSchemas.js';
import { defaultDeployment, defaultReplicaSet } from '../defaults.js';
import { DEPLOYMENT_MESSAGE, REPLICA_SET_MESSAGE } from '../protobuf/message.js';
import { resourceType } from '../resources.js';
import { deploymentPrinter, replicaSetPrinter } from '../tables/builtinPrinters.js';
import { validateDeployment, validateReplicaSet, validateSelectorUpdate } from '../validation/apps.js';
import type { Kind } from './kind.js';
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
