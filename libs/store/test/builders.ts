import type { KubeObject, ObjectKey } from '@skiff/apimachinery';

export function deploymentKey(name: string, namespace = 'default'): ObjectKey {
  return { group: 'apps', resource: 'deployments', namespace, name };
}

export function configMapKey(name: string, namespace = 'default'): ObjectKey {
  return { group: '', resource: 'configmaps', namespace, name };
}

export function namespaceKey(name: string): ObjectKey {
  return { group: '', resource: 'namespaces', namespace: '', name };
}

export function deployment(name: string, replicas = 1, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox:1' }] } } },
  };
}

export function configMap(name: string, data: Record<string, string> = { a: '1' }, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] } };
}
