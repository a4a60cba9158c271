// Writes src/fieldValidation/builtinSchemas.json: which fields each built-in kind declares, taken
// from the attribute maps @kubernetes/client-node generates from Kubernetes' OpenAPI document.
// Run from the repository root: node libs/apimachinery/scripts/generateBuiltinSchemas.mjs
import { writeFileSync } from 'node:fs';
import * as models from '@kubernetes/client-node';

// apiVersion/kind -> the client's model of it. Built-in kinds Skiff serves, and ones it may serve next.
const ROOTS = {
  'v1/Namespace': 'V1Namespace',
  'v1/Node': 'V1Node',
  'v1/Pod': 'V1Pod',
  'v1/Service': 'V1Service',
  'v1/Endpoints': 'V1Endpoints',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Secret': 'V1Secret',
  'v1/Event': 'CoreV1Event',
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/PersistentVolumeClaim': 'V1PersistentVolumeClaim',
  'v1/PersistentVolume': 'V1PersistentVolume',
  'v1/ResourceQuota': 'V1ResourceQuota',
  'v1/LimitRange': 'V1LimitRange',
  'v1/ReplicationController': 'V1ReplicationController',
  'apps/v1/Deployment': 'V1Deployment',
  'apps/v1/ReplicaSet': 'V1ReplicaSet',
  'apps/v1/StatefulSet': 'V1StatefulSet',
  'apps/v1/DaemonSet': 'V1DaemonSet',
  'apps/v1/ControllerRevision': 'V1ControllerRevision',
  'autoscaling/v1/Scale': 'V1Scale',
  'autoscaling/v1/HorizontalPodAutoscaler': 'V1HorizontalPodAutoscaler',
  'autoscaling/v2/HorizontalPodAutoscaler': 'V2HorizontalPodAutoscaler',
  'batch/v1/Job': 'V1Job',
  'batch/v1/CronJob': 'V1CronJob',
  'coordination.k8s.io/v1/Lease': 'V1Lease',
  'discovery.k8s.io/v1/EndpointSlice': 'V1EndpointSlice',
  'events.k8s.io/v1/Event': 'EventsV1Event',
  'networking.k8s.io/v1/Ingress': 'V1Ingress',
  'networking.k8s.io/v1/IngressClass': 'V1IngressClass',
  'networking.k8s.io/v1/NetworkPolicy': 'V1NetworkPolicy',
  'policy/v1/PodDisruptionBudget': 'V1PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role': 'V1Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'V1RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'V1ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'V1ClusterRoleBinding',
  'scheduling.k8s.io/v1/PriorityClass': 'V1PriorityClass',
  'storage.k8s.io/v1/StorageClass': 'V1StorageClass',
};

// A field's type: "" for a scalar or anything-goes value, a model name, ["T"] for a list, {"*": "T"} for a map.
const SCALARS = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString', 'V1MicroTime']);
const types = {};
function typeRef(t) {
  const list = /^Array<(.+)>$/.exec(t);
  if (list) return [typeRef(list[1])];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map) return { '*': typeRef(map[1]) };
  if (SCALARS.has(t)) return '';
  visit(t);
  return t;
}
// The same models with their scalar types kept (`string`, `number:int32`, `Date`, `IntOrString`...),
// for the OpenAPI documents `kubectl explain` reads (src/kinds/openapi/).
const typed = {};
function visit(name) {
  if (name in types) return;
  const model = models[name];
  if (!model?.attributeTypeMap) throw new Error(`no model ${name}`);
  types[name] = {};
  typed[name] = {};
  for (const a of model.attributeTypeMap) {
    types[name][a.baseName] = typeRef(a.type);
    typed[name][a.baseName] = a.format ? `${a.type}:${a.format}` : a.type;
  }
}
for (const name of Object.values(ROOTS)) visit(name);
const sortedKeys = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
writeFileSync(new URL('../src/fieldValidation/builtinSchemas.json', import.meta.url), JSON.stringify({ kinds: ROOTS, types: sortedKeys(types) }) + '\n');
writeFileSync(new URL('../src/kinds/openapi/builtinModels.json', import.meta.url), JSON.stringify({ kinds: ROOTS, models: sortedKeys(typed) }) + '\n');
console.log(`${Object.keys(types).length} types`);
