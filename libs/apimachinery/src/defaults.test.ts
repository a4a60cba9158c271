import { describe, expect, it } from 'vitest';
import { defaultImagePullPolicy } from './defaults.js';
import { applyDefaults } from './kinds/registry.js';
import type { KubeObject } from './types.js';

const deployment = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example/web:v1', ports: [{ containerPort: 8080 }] }] } },
    ...spec,
  },
});

const pod = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec });

describe('applyDefaults', () => {
  it('fills a Deployment the way kubectl get -o yaml shows it', () => {
    const out = applyDefaults(deployment());
    expect(out.spec).toEqual({
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'example/web:v1',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              resources: {},
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
    });
  });

  it.each<[string, Record<string, unknown>, (spec: Record<string, any>) => unknown, unknown]>([
    ['keeps replicas: 0', { replicas: 0 }, (s) => s.replicas, 0],
    ['keeps a Recreate strategy without rollingUpdate', { strategy: { type: 'Recreate' } }, (s) => s.strategy, { type: 'Recreate' }],
    ['fills only the missing half of rollingUpdate', { strategy: { rollingUpdate: { maxSurge: 1 } } }, (s) => s.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } }],
    ['keeps revisionHistoryLimit: 0', { revisionHistoryLimit: 0 }, (s) => s.revisionHistoryLimit, 0],
  ])('Deployment: %s', (_name, spec, pick, expected) => {
    expect(pick(applyDefaults(deployment(spec)).spec as Record<string, unknown>)).toEqual(expected);
  });

  it('defaults a ReplicaSet to one replica and defaults its template', () => {
    const rs = applyDefaults({ ...deployment(), kind: 'ReplicaSet' });
    const spec = rs.spec as Record<string, any>;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toBeUndefined();
    expect(spec.template.spec.restartPolicy).toBe('Always');
  });

  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['registry.local:5000/team/app', 'Always'],
    ['registry.local:5000/team/app:v2', 'IfNotPresent'],
    ['app@sha256:0123456789abcdef', 'IfNotPresent'],
    ['app:latest@sha256:0123456789abcdef', 'Always'],
  ])('imagePullPolicy for %s is %s', (image, policy) => {
    expect(defaultImagePullPolicy(image)).toBe(policy);
  });

  it('defaults probes, handlers, env field refs and volumes of a Pod', () => {
    const out = applyDefaults(
      pod({
        containers: [
          {
            name: 'c',
            image: 'app:v1',
            imagePullPolicy: 'Never',
            livenessProbe: { httpGet: { port: 8080 } },
            readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 5 },
            lifecycle: { preStop: { httpGet: { port: 80, path: '/quit' } } },
            env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } },
          },
        ],
        volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'cfg' } }, { name: 'host', hostPath: { path: '/var/log' } }, { name: 'creds', secret: { secretName: 'creds' } }, { name: 'own', secret: { secretName: 'creds', defaultMode: 0o644 } }],
      }),
    );
    const spec = out.spec as Record<string, any>;
    const c = spec.containers[0];
    expect(c.imagePullPolicy).toBe('Never');
    expect(c.livenessProbe).toEqual({ httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(c.readinessProbe.periodSeconds).toBe(5);
    expect(c.lifecycle.preStop.httpGet).toEqual({ port: 80, path: '/quit', scheme: 'HTTP' });
    expect(c.env[0].valueFrom.fieldRef.apiVersion).toBe('v1');
    // Pods (not templates) get requests from limits where a request is missing.
    expect(c.resources.requests).toEqual({ cpu: '100m', memory: '64Mi' });
    expect(spec.enableServiceLinks).toBe(true);
    expect(spec.volumes).toEqual([
      { name: 'scratch', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
      { name: 'host', hostPath: { path: '/var/log', type: '' } },
      // A secret volume's files are 0400 unless the pod says otherwise (Kubernetes says 0644).
      { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
      { name: 'own', secret: { secretName: 'creds', defaultMode: 0o644 } },
    ]);
  });

  it('does not set pod status: the API server does', () => {
    expect(applyDefaults(pod({ containers: [{ name: 'c', image: 'i' }] })).status).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'ClusterIP with targetPort from port',
      { selector: { app: 'web' }, ports: [{ port: 80 }, { port: 443, targetPort: 'https', name: 'https' }] },
      {
        selector: { app: 'web' },
        ports: [
          { port: 80, protocol: 'TCP', targetPort: 80 },
          { port: 443, targetPort: 'https', name: 'https', protocol: 'TCP' },
        ],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
      },
    ],
    [
      'NodePort gets an external traffic policy',
      { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
      { type: 'NodePort', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP', targetPort: 80 }], sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' },
    ],
    [
      'ClientIP affinity gets a three hour timeout',
      { sessionAffinity: 'ClientIP', ports: [{ port: 80, protocol: 'UDP' }] },
      {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ports: [{ port: 80, protocol: 'UDP', targetPort: 80 }],
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
      },
    ],
    ['ExternalName has no traffic policy', { type: 'ExternalName', externalName: 'db.example.com' }, { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' }],
  ])('Service: %s', (_name, spec, expected) => {
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec }).spec).toEqual(expected);
  });

  it('starts a Namespace Active with the kubernetes finalizer, and leaves a removed finalizer removed', () => {
    const created = applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    expect(created.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(created.status).toEqual({ phase: 'Active' });
    expect(created.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team' });
    const finalized = applyDefaults({ ...created, spec: { finalizers: [] }, status: { phase: 'Terminating' } });
    expect(finalized.spec).toEqual({ finalizers: [] });
    expect(finalized.status).toEqual({ phase: 'Terminating' });
  });

  it('makes Secrets Opaque and folds stringData into data', () => {
    const out = applyDefaults({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'MQ==' }, stringData: { b: 'two', a: 'one' } });
    expect(out.type).toBe('Opaque');
    expect(out.data).toEqual({ a: 'b25l', b: 'dHdv' });
    expect(out.stringData).toBeUndefined();
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls' }).type).toBe('kubernetes.io/tls');
  });

  it.each<[string, KubeObject]>([
    ['Lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'a' } }],
    ['Event', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p' } }],
    ['ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }],
  ])('leaves a %s as it is', (_kind, obj) => {
    expect(applyDefaults(obj)).toEqual(obj);
  });

  it('returns a copy, never touches its input, and is idempotent', () => {
    const input = deployment();
    const snapshot = structuredClone(input);
    const once = applyDefaults(input);
    expect(input).toEqual(snapshot);
    expect(once).not.toBe(input);
    expect(applyDefaults(once)).toEqual(once);
  });
});
