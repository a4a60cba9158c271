import { builtinOpenApi } from './openapi/openApiSchemas.js';
import type { Namespace, Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import { defaultReplicationController } from '../defaults/replicationController.js';
import { selectorFromLabelSelector, selectorToString } from '../labelSelector.js';
import { replicationControllerPrinter } from '../tables/replicationController.js';
import { validateReplicationController } from '../validation/replicationController.js';
import {
  defaultEndpoints,
  defaultLimitRange,
  defaultNamespace,
  defaultNode,
  defaultPod,
  defaultSecret,
  defaultService,
} from '../defaults.js';
import {
  CONFIG_MAP_MESSAGE,
  LIMIT_RANGE_MESSAGE,
  NAMESPACE_MESSAGE,
  POD_MESSAGE,
  RESOURCE_QUOTA_MESSAGE,
  SECRET_MESSAGE,
  SERVICE_MESSAGE,
} from '../protobuf/message.js';
import { ALL_VERBS, resourceType } from '../resources.js';
import {
  configMapPrinter,
  endpointsPrinter,
  eventPrinter,
  limitRangePrinter,
  namespacePrinter,
  nodePrinter,
  podPrinter,
  resourceQuotaPrinter,
  secretPrinter,
  servicePrinter,
} from '../tables/builtinPrinters.js';
import { validateConfigMap, validateImmutableData } from '../validation/configMap.js';
import { validateEndpoints } from '../validation/endpoints.js';
import { validateEvent } from '../validation/event.js';
import { validateLimitRange } from '../validation/limitRange.js';
import { validateNamespace } from '../validation/namespace.js';
import { validateNode, validateNodeUpdate } from '../validation/node.js';
import { validatePod, validatePodUpdate } from '../validation/pod.js';
import { validateResourceQuota, validateResourceQuotaUpdate } from '../validation/resourceQuota.js';
import { validateSecret, validateSecretUpdate } from '../validation/secret.js';
import { validateService, validateServiceUpdate } from '../validation/service.js';
import { defineKind, shape, type Kind } from './kind.js';
import { CONDITIONS, podSpecLists } from './podSpecLists.js';
import { podQosClass } from './podQosClass.js';

// The core (v1) kinds.

export const NAMESPACE: Kind = {
  ...resourceType('', 'v1', 'namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    subresources: ['status'],
    verbs: ALL_VERBS.filter((v) => v !== 'deletecollection'),
    returnsDeletedObject: true,
  }),
  openApi: builtinOpenApi('V1Namespace'),
  defaults: defaultNamespace,
  validate: validateNamespace,
  prepareForCreate: (obj) => {
    obj.status = { phase: 'Active' };
  },
  kindFinalizers: (obj) => shape<Namespace>(obj).spec?.finalizers ?? [],
  prepareForDelete: (obj) => {
    obj.status = { ...(shape<Namespace>(obj).status ?? {}), phase: 'Terminating' };
  },
  printer: namespacePrinter,
  lists: { ...CONDITIONS },
  protobuf: NAMESPACE_MESSAGE,
};

export const NODE: Kind = {
  ...resourceType('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  openApi: builtinOpenApi('V1Node'),
  defaults: defaultNode,
  validate: validateNode,
  validateUpdate: validateNodeUpdate,
  // A node agent registers its node with the status it observed (the kubelet does the same).
  prepareForCreate: () => {},
  printer: nodePrinter,
  lists: {
    'status.addresses': { mergeKey: 'type', strategy: 'merge' },
    'status.images': { strategy: 'replace' },
    ...CONDITIONS,
  },
};

export const POD: Kind = {
  ...resourceType('', 'v1', 'pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'log', 'binding', 'eviction', 'exec', 'attach', 'portforward', 'ephemeralcontainers'],
    returnsDeletedObject: true,
  }),
  openApi: builtinOpenApi('V1Pod'),
  cacheIndexes: ['spec.nodeName'],
  defaults: defaultPod,
  validate: validatePod,
  validateUpdate: validatePodUpdate,
  prepareForCreate: (obj) => {
    obj.status = { phase: 'Pending', qosClass: podQosClass(shape<Pod>(obj)) };
  },
  prepareForUpdate: (next, old) => {
    // The main resource cannot add debugging containers (kube-apiserver keeps the stored ones).
    const spec = { ...((next.spec ?? {}) as Record<string, unknown>) };
    const kept = shape<Pod>(old).spec?.ephemeralContainers;
    if (kept === undefined) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = structuredClone(kept);
    next.spec = spec;
  },
  deletionGracePeriod: (obj, requested) => {
    const pod = shape<Pod>(obj);
    // A pod no node runs (unscheduled, or already finished) has nothing to stop gracefully.
    const phase = pod.status?.phase;
    if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    return requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  },
  printer: podPrinter,
  lists: { ...podSpecLists('spec'), ...CONDITIONS },
  protobuf: POD_MESSAGE,
};

export const SERVICE: Kind = {
  ...resourceType('', 'v1', 'services', 'Service', true, {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
    returnsDeletedObject: true,
  }),
  openApi: builtinOpenApi('V1Service'),
  defaults: defaultService,
  validate: validateService,
  validateUpdate: validateServiceUpdate,
  printer: servicePrinter,
  lists: { 'spec.ports': { mergeKey: 'port', strategy: 'merge' }, ...CONDITIONS },
  protobuf: SERVICE_MESSAGE,
};

export const ENDPOINTS: Kind = {
  ...resourceType('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'] }),
  openApi: builtinOpenApi('V1Endpoints'),
  defaults: defaultEndpoints,
  validate: validateEndpoints,
  allowCreateOnUpdate: true,
  printer: endpointsPrinter,
};

export const CONFIG_MAP: Kind = {
  ...resourceType('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  openApi: builtinOpenApi('V1ConfigMap'),
  validate: validateConfigMap,
  validateUpdate: (next, prev, errs) => validateImmutableData(next, prev, ['data', 'binaryData'], errs),
  printer: configMapPrinter,
  protobuf: CONFIG_MAP_MESSAGE,
};

export const SECRET: Kind = {
  ...resourceType('', 'v1', 'secrets', 'Secret', true),
  openApi: builtinOpenApi('V1Secret'),
  defaults: defaultSecret,
  validate: validateSecret,
  validateUpdate: validateSecretUpdate,
  printer: secretPrinter,
  protobuf: SECRET_MESSAGE,
};

export const EVENT: Kind = {
  ...resourceType('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  openApi: builtinOpenApi('CoreV1Event'),
  validate: validateEvent,
  allowCreateOnUpdate: true,
  printer: eventPrinter,
};

export const RESOURCE_QUOTA: Kind = {
  ...resourceType('', 'v1', 'resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'], subresources: ['status'] }),
  openApi: builtinOpenApi('V1ResourceQuota'),
  validate: validateResourceQuota,
  validateUpdate: validateResourceQuotaUpdate,
  printer: resourceQuotaPrinter,
  protobuf: RESOURCE_QUOTA_MESSAGE,
};

export const LIMIT_RANGE: Kind = {
  ...resourceType('', 'v1', 'limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  openApi: builtinOpenApi('V1LimitRange'),
  defaults: defaultLimitRange,
  validate: validateLimitRange,
  printer: limitRangePrinter,
  protobuf: LIMIT_RANGE_MESSAGE,
};

/** A ReplicaSet from before label selectors: its selector is a plain label map, and may change. */
export const REPLICATION_CONTROLLER: Kind = defineKind<ReplicationController>({
  ...resourceType('', 'v1', 'replicationcontrollers', 'ReplicationController', true, { shortNames: ['rc'], categories: ['all'], subresources: ['status', 'scale'] }),
  defaults: defaultReplicationController,
  validate: validateReplicationController,
  printer: replicationControllerPrinter,
  lists: { ...podSpecLists('spec.template.spec'), ...CONDITIONS },
  scale: { selector: (rc) => selectorToString(selectorFromLabelSelector({ matchLabels: rc.spec?.selector ?? {} })) },
  openApi: builtinOpenApi('V1ReplicationController'),
});
