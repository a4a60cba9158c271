/**
 * Kubernetes' protobuf messages as field tables (field numbers from the `generated.proto` files
 * of k8s.io/api and apimachinery), so a kind's definition can say how its objects arrive from
 * kubectl's typed clients. The API server's codec reads them.
 *
 * Go's gogo-protobuf marshallers write every non-pointer scalar, zero or not (`clusterIP: ""`,
 * `hostPort: 0`, `paused: false`), where the JSON encoding's `omitempty` leaves them out. So a
 * zero scalar is dropped unless the field is marked `keep` (a Go pointer, where presence is the
 * value: `replicas: 0`, `enableServiceLinks: false`). Nested messages are kept even when empty,
 * like Go's JSON encoding of struct values (`resources: {}`, `strategy: {}`).
 */

export type Scalar = 'string' | 'bytes' | 'int64' | 'int32' | 'bool';
/** `time` is metav1.Time, `quantity` resource.Quantity, `intOrString` intstr.IntOrString. */
export type FieldType = Scalar | 'time' | 'fieldsV1' | 'quantity' | 'intOrString' | Schema;
export interface Field {
  name: string;
  type: FieldType;
  /** A `repeated` field: a JSON array. */
  repeated?: boolean;
  /** A `map<string, type>` field: a JSON object. */
  map?: boolean;
  /** An embedded Go struct whose fields JSON inlines into the parent (`LocalObjectReference`, `VolumeSource`). */
  inline?: boolean;
  /** Keep the zero value of a scalar: the Go field is a pointer, so it is only sent when set. */
  keep?: boolean;
}
export type Schema = { [num: number]: Field };
/** A top-level message: what a kind's protobuf body decodes to. */
export type ProtobufMessage = Schema;

export const s = (name: string, extra: Partial<Field> = {}): Field => ({ name, type: 'string', ...extra });
export const i32 = (name: string, extra: Partial<Field> = {}): Field => ({ name, type: 'int32', ...extra });
export const i64 = (name: string, extra: Partial<Field> = {}): Field => ({ name, type: 'int64', ...extra });
export const b = (name: string, extra: Partial<Field> = {}): Field => ({ name, type: 'bool', ...extra });
export const m = (name: string, type: Schema, extra: Partial<Field> = {}): Field => ({ name, type, ...extra });
export const strings = (name: string): Field => ({ name, type: 'string', repeated: true });
export const list = (name: string, type: Schema): Field => ({ name, type, repeated: true });
export const stringMap = (name: string): Field => ({ name, type: 'string', map: true });
export const quantityMap = (name: string): Field => ({ name, type: 'quantity', map: true });
export const intOrString = (name: string): Field => ({ name, type: 'intOrString' });

// --- k8s.io/apimachinery/pkg/apis/meta/v1 ---

export const TIME: Schema = { 1: i64('seconds', { keep: true }), 2: i32('nanos', { keep: true }) };
export const OWNER_REFERENCE: Schema = {
  1: s('kind'),
  3: s('name'),
  4: s('uid'),
  5: s('apiVersion'),
  6: b('controller', { keep: true }),
  7: b('blockOwnerDeletion', { keep: true }),
};
export const MANAGED_FIELDS: Schema = {
  1: s('manager'),
  2: s('operation'),
  3: s('apiVersion'),
  4: { name: 'time', type: 'time' },
  6: s('fieldsType'),
  7: { name: 'fieldsV1', type: 'fieldsV1' },
  8: s('subresource'),
};
export const OBJECT_META: Schema = {
  1: s('name'),
  2: s('generateName'),
  3: s('namespace'),
  5: s('uid'),
  6: s('resourceVersion'),
  7: i64('generation'),
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: i64('deletionGracePeriodSeconds', { keep: true }),
  11: stringMap('labels'),
  12: stringMap('annotations'),
  13: list('ownerReferences', OWNER_REFERENCE),
  14: strings('finalizers'),
  17: list('managedFields', MANAGED_FIELDS),
};
export const LABEL_SELECTOR: Schema = {
  1: stringMap('matchLabels'),
  2: list('matchExpressions', { 1: s('key'), 2: s('operator'), 3: strings('values') }),
};

// --- k8s.io/api/core/v1 ---

export const LOCAL_OBJECT_REFERENCE: Schema = { 1: s('name') };
export const OBJECT_FIELD_SELECTOR: Schema = { 1: s('apiVersion'), 2: s('fieldPath') };
export const RESOURCE_FIELD_SELECTOR: Schema = { 1: s('containerName'), 2: s('resource'), 3: { name: 'divisor', type: 'quantity' } };
export const KEY_SELECTOR: Schema = { 1: m('', LOCAL_OBJECT_REFERENCE, { inline: true }), 2: s('key'), 3: b('optional', { keep: true }) };
export const ENV_SOURCE: Schema = { 1: m('', LOCAL_OBJECT_REFERENCE, { inline: true }), 2: b('optional', { keep: true }) };
export const ENV_VAR: Schema = {
  1: s('name'),
  2: s('value'),
  3: m('valueFrom', {
    1: m('fieldRef', OBJECT_FIELD_SELECTOR),
    2: m('resourceFieldRef', RESOURCE_FIELD_SELECTOR),
    3: m('configMapKeyRef', KEY_SELECTOR),
    4: m('secretKeyRef', KEY_SELECTOR),
  }),
};
export const ENV_FROM_SOURCE: Schema = { 1: s('prefix'), 2: m('configMapRef', ENV_SOURCE), 3: m('secretRef', ENV_SOURCE) };
export const CONTAINER_PORT: Schema = { 1: s('name'), 2: i32('hostPort'), 3: i32('containerPort'), 4: s('protocol'), 5: s('hostIP') };
export const RESOURCE_REQUIREMENTS: Schema = { 1: quantityMap('limits'), 2: quantityMap('requests') };
export const VOLUME_MOUNT: Schema = {
  1: s('name'),
  2: b('readOnly'),
  3: s('mountPath'),
  4: s('subPath'),
  5: s('mountPropagation', { keep: true }),
  6: s('subPathExpr'),
};
export const HANDLER: Schema = {
  1: m('exec', { 1: strings('command') }),
  2: m('httpGet', {
    1: s('path'),
    2: { name: 'port', type: 'intOrString' },
    3: s('host'),
    4: s('scheme'),
    5: list('httpHeaders', { 1: s('name'), 2: s('value') }),
  }),
  3: m('tcpSocket', { 1: { name: 'port', type: 'intOrString' }, 2: s('host') }),
};
export const PROBE: Schema = {
  1: m('', HANDLER, { inline: true }),
  2: i32('initialDelaySeconds'),
  3: i32('timeoutSeconds'),
  4: i32('periodSeconds'),
  5: i32('successThreshold'),
  6: i32('failureThreshold'),
  7: i64('terminationGracePeriodSeconds', { keep: true }),
};
export const SE_LINUX_OPTIONS: Schema = { 1: s('user'), 2: s('role'), 3: s('type'), 4: s('level') };
export const WINDOWS_OPTIONS: Schema = {
  1: s('gmsaCredentialSpecName', { keep: true }),
  2: s('gmsaCredentialSpec', { keep: true }),
  3: s('runAsUserName', { keep: true }),
};
export const SECCOMP_PROFILE: Schema = { 1: s('type'), 2: s('localhostProfile', { keep: true }) };
export const SECURITY_CONTEXT: Schema = {
  1: m('capabilities', { 1: strings('add'), 2: strings('drop') }),
  2: b('privileged', { keep: true }),
  3: m('seLinuxOptions', SE_LINUX_OPTIONS),
  10: m('windowsOptions', WINDOWS_OPTIONS),
  4: i64('runAsUser', { keep: true }),
  8: i64('runAsGroup', { keep: true }),
  5: b('runAsNonRoot', { keep: true }),
  6: b('readOnlyRootFilesystem', { keep: true }),
  7: b('allowPrivilegeEscalation', { keep: true }),
  9: s('procMount', { keep: true }),
  11: m('seccompProfile', SECCOMP_PROFILE),
};
export const CONTAINER: Schema = {
  1: s('name'),
  2: s('image'),
  3: strings('command'),
  4: strings('args'),
  5: s('workingDir'),
  6: list('ports', CONTAINER_PORT),
  19: list('envFrom', ENV_FROM_SOURCE),
  7: list('env', ENV_VAR),
  8: m('resources', RESOURCE_REQUIREMENTS),
  9: list('volumeMounts', VOLUME_MOUNT),
  21: list('volumeDevices', { 1: s('name'), 2: s('devicePath') }),
  10: m('livenessProbe', PROBE),
  11: m('readinessProbe', PROBE),
  22: m('startupProbe', PROBE),
  12: m('lifecycle', { 1: m('postStart', HANDLER), 2: m('preStop', HANDLER) }),
  13: s('terminationMessagePath'),
  20: s('terminationMessagePolicy'),
  14: s('imagePullPolicy'),
  15: m('securityContext', SECURITY_CONTEXT),
  16: b('stdin'),
  17: b('stdinOnce'),
  18: b('tty'),
};
export const KEY_TO_PATH: Schema = { 1: s('key'), 2: s('path'), 3: i32('mode', { keep: true }) };
export const DOWNWARD_API_FILE: Schema = {
  1: s('path'),
  2: m('fieldRef', OBJECT_FIELD_SELECTOR),
  3: m('resourceFieldRef', RESOURCE_FIELD_SELECTOR),
  4: i32('mode', { keep: true }),
};
export const OBJECT_PROJECTION: Schema = { 1: m('', LOCAL_OBJECT_REFERENCE, { inline: true }), 2: list('items', KEY_TO_PATH), 4: b('optional', { keep: true }) };
export const VOLUME_SOURCE: Schema = {
  1: m('hostPath', { 1: s('path'), 2: s('type', { keep: true }) }),
  2: m('emptyDir', { 1: s('medium'), 2: { name: 'sizeLimit', type: 'quantity' } }),
  6: m('secret', { 1: s('secretName'), 2: list('items', KEY_TO_PATH), 3: i32('defaultMode', { keep: true }), 4: b('optional', { keep: true }) }),
  7: m('nfs', { 1: s('server'), 2: s('path'), 3: b('readOnly') }),
  10: m('persistentVolumeClaim', { 1: s('claimName'), 2: b('readOnly') }),
  16: m('downwardAPI', { 1: list('items', DOWNWARD_API_FILE), 2: i32('defaultMode', { keep: true }) }),
  19: m('configMap', {
    1: m('', LOCAL_OBJECT_REFERENCE, { inline: true }),
    2: list('items', KEY_TO_PATH),
    3: i32('defaultMode', { keep: true }),
    4: b('optional', { keep: true }),
  }),
  26: m('projected', {
    1: list('sources', {
      1: m('secret', OBJECT_PROJECTION),
      2: m('downwardAPI', { 1: list('items', DOWNWARD_API_FILE) }),
      3: m('configMap', OBJECT_PROJECTION),
      4: m('serviceAccountToken', { 1: s('audience'), 2: i64('expirationSeconds', { keep: true }), 3: s('path') }),
    }),
    2: i32('defaultMode', { keep: true }),
  }),
  28: m('csi', {
    1: s('driver'),
    2: b('readOnly', { keep: true }),
    3: s('fsType', { keep: true }),
    4: stringMap('volumeAttributes'),
    5: m('nodePublishSecretRef', LOCAL_OBJECT_REFERENCE),
  }),
};
export const NODE_SELECTOR_REQUIREMENT: Schema = { 1: s('key'), 2: s('operator'), 3: strings('values') };
export const NODE_SELECTOR_TERM: Schema = { 1: list('matchExpressions', NODE_SELECTOR_REQUIREMENT), 2: list('matchFields', NODE_SELECTOR_REQUIREMENT) };
export const POD_SECURITY_CONTEXT: Schema = {
  1: m('seLinuxOptions', SE_LINUX_OPTIONS),
  8: m('windowsOptions', WINDOWS_OPTIONS),
  2: i64('runAsUser', { keep: true }),
  6: i64('runAsGroup', { keep: true }),
  3: b('runAsNonRoot', { keep: true }),
  4: { name: 'supplementalGroups', type: 'int64', repeated: true },
  5: i64('fsGroup', { keep: true }),
  7: list('sysctls', { 1: s('name'), 2: s('value') }),
  9: s('fsGroupChangePolicy', { keep: true }),
  10: m('seccompProfile', SECCOMP_PROFILE),
};
export const POD_SPEC: Schema = {
  1: list('volumes', { 1: s('name'), 2: m('', VOLUME_SOURCE, { inline: true }) }),
  20: list('initContainers', CONTAINER),
  2: list('containers', CONTAINER),
  3: s('restartPolicy'),
  4: i64('terminationGracePeriodSeconds', { keep: true }),
  5: i64('activeDeadlineSeconds', { keep: true }),
  6: s('dnsPolicy'),
  7: stringMap('nodeSelector'),
  8: s('serviceAccountName'),
  9: s('serviceAccount'),
  21: b('automountServiceAccountToken', { keep: true }),
  10: s('nodeName'),
  11: b('hostNetwork'),
  12: b('hostPID'),
  13: b('hostIPC'),
  27: b('shareProcessNamespace', { keep: true }),
  14: m('securityContext', POD_SECURITY_CONTEXT),
  15: list('imagePullSecrets', LOCAL_OBJECT_REFERENCE),
  16: s('hostname'),
  17: s('subdomain'),
  18: m('affinity', {
    1: m('nodeAffinity', {
      1: m('requiredDuringSchedulingIgnoredDuringExecution', { 1: list('nodeSelectorTerms', NODE_SELECTOR_TERM) }),
      2: list('preferredDuringSchedulingIgnoredDuringExecution', { 1: i32('weight'), 2: m('preference', NODE_SELECTOR_TERM) }),
    }),
  }),
  19: s('schedulerName'),
  22: list('tolerations', { 1: s('key'), 2: s('operator'), 3: s('value'), 4: s('effect'), 5: i64('tolerationSeconds', { keep: true }) }),
  23: list('hostAliases', { 1: s('ip'), 2: strings('hostnames') }),
  24: s('priorityClassName'),
  25: i32('priority', { keep: true }),
  26: m('dnsConfig', { 1: strings('nameservers'), 2: strings('searches'), 3: list('options', { 1: s('name'), 2: s('value', { keep: true }) }) }),
  28: list('readinessGates', { 1: s('conditionType') }),
  29: s('runtimeClassName', { keep: true }),
  30: b('enableServiceLinks', { keep: true }),
  31: s('preemptionPolicy', { keep: true }),
  32: quantityMap('overhead'),
  33: list('topologySpreadConstraints', { 1: i32('maxSkew'), 2: s('topologyKey'), 3: s('whenUnsatisfiable'), 4: m('labelSelector', LABEL_SELECTOR) }),
  35: b('setHostnameAsFQDN', { keep: true }),
};
export const POD_TEMPLATE_SPEC: Schema = { 1: m('metadata', OBJECT_META), 2: m('spec', POD_SPEC) };
export const POD_STATUS: Schema = { 1: s('phase'), 3: s('message'), 4: s('reason'), 5: s('hostIP'), 6: s('podIP') };
export const SERVICE_PORT: Schema = {
  1: s('name'),
  2: s('protocol'),
  6: s('appProtocol', { keep: true }),
  3: i32('port'),
  4: { name: 'targetPort', type: 'intOrString' },
  5: i32('nodePort'),
};
export const SERVICE_SPEC: Schema = {
  1: list('ports', SERVICE_PORT),
  2: stringMap('selector'),
  3: s('clusterIP'),
  18: strings('clusterIPs'),
  4: s('type'),
  5: strings('externalIPs'),
  7: s('sessionAffinity'),
  8: s('loadBalancerIP'),
  9: strings('loadBalancerSourceRanges'),
  10: s('externalName'),
  11: s('externalTrafficPolicy'),
  12: i32('healthCheckNodePort'),
  13: b('publishNotReadyAddresses'),
  14: m('sessionAffinityConfig', { 1: m('clientIP', { 1: i32('timeoutSeconds', { keep: true }) }) }),
  19: strings('ipFamilies'),
  17: s('ipFamilyPolicy', { keep: true }),
  20: b('allocateLoadBalancerNodePorts', { keep: true }),
  21: s('loadBalancerClass', { keep: true }),
  22: s('internalTrafficPolicy', { keep: true }),
};
export const SERVICE_STATUS: Schema = { 1: m('loadBalancer', { 1: list('ingress', { 1: s('ip'), 2: s('hostname') }) }) };

// --- k8s.io/api/apps/v1 ---

export const DEPLOYMENT_SPEC: Schema = {
  1: i32('replicas', { keep: true }),
  2: m('selector', LABEL_SELECTOR),
  3: m('template', POD_TEMPLATE_SPEC),
  4: m('strategy', {
    1: s('type'),
    2: m('rollingUpdate', { 1: { name: 'maxUnavailable', type: 'intOrString' }, 2: { name: 'maxSurge', type: 'intOrString' } }),
  }),
  5: i32('minReadySeconds'),
  6: i32('revisionHistoryLimit', { keep: true }),
  7: b('paused'),
  9: i32('progressDeadlineSeconds', { keep: true }),
};
export const DEPLOYMENT_STATUS: Schema = {
  1: i64('observedGeneration'),
  2: i32('replicas'),
  3: i32('updatedReplicas'),
  7: i32('readyReplicas'),
  4: i32('availableReplicas'),
  5: i32('unavailableReplicas'),
  8: i32('collisionCount', { keep: true }),
};
export const REPLICA_SET_SPEC: Schema = {
  1: i32('replicas', { keep: true }),
  4: i32('minReadySeconds'),
  2: m('selector', LABEL_SELECTOR),
  3: m('template', POD_TEMPLATE_SPEC),
};
export const REPLICA_SET_STATUS: Schema = {
  1: i32('replicas'),
  2: i32('fullyLabeledReplicas'),
  4: i32('readyReplicas'),
  5: i32('availableReplicas'),
  3: i64('observedGeneration'),
};

// --- k8s.io/api/batch/v1 ---

/** The success policy is left out: Skiff does not act on it, and `kubectl create job/cronjob` never send one. */
export const JOB_SPEC: Schema = {
  1: i32('parallelism', { keep: true }),
  2: i32('completions', { keep: true }),
  3: i64('activeDeadlineSeconds', { keep: true }),
  4: m('selector', LABEL_SELECTOR),
  5: b('manualSelector', { keep: true }),
  6: m('template', POD_TEMPLATE_SPEC),
  7: i32('backoffLimit', { keep: true }),
  8: i32('ttlSecondsAfterFinished', { keep: true }),
  9: s('completionMode', { keep: true }),
  10: b('suspend', { keep: true }),
  11: m('podFailurePolicy', {
    1: list('rules', {
      1: s('action'),
      2: m('onExitCodes', { 1: s('containerName', { keep: true }), 2: s('operator'), 3: { name: 'values', type: 'int32', repeated: true } }),
      3: list('onPodConditions', { 1: s('type'), 2: s('status') }),
    }),
  }),
  12: i32('backoffLimitPerIndex', { keep: true }),
  13: i32('maxFailedIndexes', { keep: true }),
  14: s('podReplacementPolicy', { keep: true }),
  15: s('managedBy', { keep: true }),
};
export const CRON_JOB_SPEC: Schema = {
  1: s('schedule'),
  8: s('timeZone', { keep: true }),
  2: i64('startingDeadlineSeconds', { keep: true }),
  3: s('concurrencyPolicy'),
  4: b('suspend', { keep: true }),
  5: m('jobTemplate', { 1: m('metadata', OBJECT_META), 2: m('spec', JOB_SPEC) }),
  6: i32('successfulJobsHistoryLimit', { keep: true }),
  7: i32('failedJobsHistoryLimit', { keep: true }),
};

export const RESOURCE_QUOTA_SPEC: Schema = {
  1: quantityMap('hard'),
  2: strings('scopes'),
  3: m('scopeSelector', { 1: list('matchExpressions', { 1: s('scopeName'), 2: s('operator'), 3: strings('values') }) }),
};
export const LIMIT_RANGE_ITEM: Schema = {
  1: s('type'),
  2: quantityMap('max'),
  3: quantityMap('min'),
  4: quantityMap('default'),
  5: quantityMap('defaultRequest'),
  6: quantityMap('maxLimitRequestRatio'),
};


// --- the kinds' messages ---

export const RESOURCE_QUOTA_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', RESOURCE_QUOTA_SPEC), 3: m('status', { 1: quantityMap('hard'), 2: quantityMap('used') }) };

export const LIMIT_RANGE_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', { 1: list('limits', LIMIT_RANGE_ITEM) }) };

export const CONFIG_MAP_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: stringMap('data'),
  3: { name: 'binaryData', type: 'bytes', map: true },
  4: b('immutable', { keep: true }),
};

export const SECRET_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: { name: 'data', type: 'bytes', map: true },
  3: s('type'),
  4: stringMap('stringData'),
  5: b('immutable', { keep: true }),
};

export const OBJECT_REFERENCE: Schema = { 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: s('resourceVersion'), 7: s('fieldPath') };

/** `kubectl create serviceaccount` sends it as protobuf. */
export const SERVICE_ACCOUNT_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: list('secrets', OBJECT_REFERENCE),
  3: list('imagePullSecrets', LOCAL_OBJECT_REFERENCE),
  4: b('automountServiceAccountToken', { keep: true }),
};

export const NAMESPACE_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: m('spec', { 1: strings('finalizers') }),
};

export const POD_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', POD_SPEC), 3: m('status', POD_STATUS) };

export const SERVICE_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', SERVICE_SPEC), 3: m('status', SERVICE_STATUS) };

export const JOB_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', JOB_SPEC) };
export const CRON_JOB_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', CRON_JOB_SPEC) };
export const DEPLOYMENT_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', DEPLOYMENT_SPEC), 3: m('status', DEPLOYMENT_STATUS) };

export const REPLICA_SET_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', REPLICA_SET_SPEC), 3: m('status', REPLICA_SET_STATUS) };
