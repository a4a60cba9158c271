import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/builders.js';
import { containerArgv, expandVars, resolveContainerEnv, serviceEnv, type EnvContext, type ReferencedObjects } from './containerEnv.js';
import type { Container, EnvFromSource, EnvVar } from './podSpec.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const secret = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

const objects: ReferencedObjects = {
  configMaps: new Map([['app', configMap('app', { MODE: 'fast', 'bad key': 'x', PORT: '8080' })], ['gone', undefined]]),
  secrets: new Map([['creds', secret('creds', { password: 's3cret' })]]),
};

const pod = makePod('web-1').container('web', { resources: { limits: { memory: '64Mi', cpu: '500m' } } }).build();
const ctx: EnvContext = { pod, podIP: '127.16.0.9', hostIP: '127.0.0.1', nodeName: 'node-a', nodeAllocatable: { cpu: 4, memory: 8 * 2 ** 30 } };

function env(vars: EnvVar[], envFrom: EnvFromSource[] = []) {
  const c: Container = { name: 'web', env: vars, envFrom, resources: { limits: { memory: '64Mi', cpu: '500m' } } };
  return resolveContainerEnv(c, ctx, objects);
}

describe('resolveContainerEnv', () => {
  it('always sets the downward-API variables', () => {
    expect(env([])).toEqual({ ok: true, env: { POD_NAME: 'web-1', POD_NAMESPACE: 'default', POD_IP: '127.16.0.9', NODE_NAME: 'node-a' } });
  });

  it.each([
    ['a value', { name: 'A', value: 'x' }, 'x'],
    ['a reference to an earlier variable', { name: 'URL', value: 'http://$(POD_IP):80' }, 'http://127.16.0.9:80'],
    ['an unknown reference, left alone', { name: 'X', value: '$(NOPE)' }, '$(NOPE)'],
    ['an escaped reference', { name: 'X', value: '$$(POD_IP)' }, '$(POD_IP)'],
    ['a ConfigMap key', { name: 'M', valueFrom: { configMapKeyRef: { name: 'app', key: 'MODE' } } }, 'fast'],
    ['a Secret key, decoded', { name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }, 's3cret'],
    ['metadata.name', { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, 'web-1'],
    ['metadata.uid', { name: 'U', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } }, 'uid-web-1'],
    ['a label', { name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }, 'web-1'],
    ['status.podIP', { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, '127.16.0.9'],
    ['spec.nodeName', { name: 'NN', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }, 'node-a'],
    ['the memory limit in Mi', { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } }, '64'],
    ['the CPU limit, rounded up to cores', { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }, '1'],
    ['an optional missing key, unset', { name: 'O', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k', optional: true } } }, undefined],
  ] as [string, EnvVar, string | undefined][])('%s', (_name, v, expected) => {
    const r = env([v]);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.env[v.name]).toBe(expected);
  });

  it.each([
    ['a missing ConfigMap', { name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }, 'configmap "gone" not found'],
    ['a missing key', { name: 'X', valueFrom: { configMapKeyRef: { name: 'app', key: 'nope' } } }, "couldn't find key nope in ConfigMap default/app"],
    ['a missing Secret', { name: 'X', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }, 'secret "other" not found'],
  ] as [string, EnvVar, string][])('fails on %s', (_name, v, message) => {
    expect(env([v])).toEqual({ ok: false, message });
  });

  it('takes envFrom first, with its prefix, skipping invalid names; env overrides it', () => {
    const r = env([{ name: 'CFG_MODE', value: 'slow' }], [{ configMapRef: { name: 'app' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }]);
    expect(r.ok && r.env).toMatchObject({ CFG_MODE: 'slow', CFG_PORT: '8080', password: 's3cret' });
    expect(r.ok && Object.keys(r.env)).not.toContain('CFG_bad key');
  });

  it('fails on a missing envFrom source unless optional', () => {
    expect(env([], [{ configMapRef: { name: 'gone' } }]).ok).toBe(false);
    expect(env([], [{ configMapRef: { name: 'gone', optional: true } }]).ok).toBe(true);
  });
});

describe('expandVars and argv', () => {
  it.each([
    ['$(A)-$(B)', 'a-b'],
    ['$(A)$(A)', 'aa'],
    ['$$(A)', '$(A)'],
    ['$(', '$('],
    ['plain', 'plain'],
  ])('%s -> %s', (text, out) => {
    expect(expandVars(text, { A: 'a', B: 'b' })).toBe(out);
  });

  it('expands command and args; no command means no argv', () => {
    expect(containerArgv({ name: 'c', command: ['srv', '--port=$(PORT)'], args: ['$(X)'] }, { PORT: '80', X: 'y' })).toEqual(['srv', '--port=80', 'y']);
    expect(containerArgv({ name: 'c', args: ['x'] }, {})).toBeUndefined();
  });
});

describe('service links', () => {
  const svc = (name: string, clusterIP: string, ports: { name?: string; port: number; protocol?: string }[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP, ports } });

  it('gives each Service with a cluster IP its variables, and the pod\'s own env wins', () => {
    const env = serviceEnv([svc('my-backend', '127.224.0.7', [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }]), svc('headless', 'None', [{ port: 80 }])]);
    expect(env).toMatchObject({
      MY_BACKEND_SERVICE_HOST: '127.224.0.7',
      MY_BACKEND_SERVICE_PORT: '80',
      MY_BACKEND_SERVICE_PORT_HTTP: '80',
      MY_BACKEND_SERVICE_PORT_METRICS: '9090',
      MY_BACKEND_PORT: 'tcp://127.224.0.7:80',
      MY_BACKEND_PORT_80_TCP: 'tcp://127.224.0.7:80',
      MY_BACKEND_PORT_80_TCP_PROTO: 'tcp',
      MY_BACKEND_PORT_80_TCP_PORT: '80',
      MY_BACKEND_PORT_80_TCP_ADDR: '127.224.0.7',
    });
    expect(Object.keys(env).some((k) => k.startsWith('HEADLESS'))).toBe(false);
    const c = { name: 'c', image: 'x', command: ['x'], env: [{ name: 'MY_BACKEND_SERVICE_PORT', value: 'mine' }] };
    const r = resolveContainerEnv(c as never, ctx, { configMaps: new Map(), secrets: new Map(), services: [svc('my-backend', '127.224.0.7', [{ port: 80 }]) as never] });
    expect(r.ok && r.env.MY_BACKEND_SERVICE_PORT).toBe('mine');
    expect(r.ok && r.env.MY_BACKEND_SERVICE_HOST).toBe('127.224.0.7');
  });

  it('leaves them out with enableServiceLinks: false', () => {
    const p = { ...ctx.pod, spec: { ...(ctx.pod.spec as object), enableServiceLinks: false } };
    const r = resolveContainerEnv({ name: 'c', image: 'x', command: ['x'] } as never, { ...ctx, pod: p as never }, { configMaps: new Map(), secrets: new Map(), services: [svc('b', '127.224.0.8', [{ port: 80 }]) as never] });
    expect(r.ok && r.env.B_SERVICE_HOST).toBeUndefined();
  });

  it.each([
    ['a pod of another namespace', 'team', true],
    ['a pod without service links', 'default', false],
    ['a pod of another namespace without service links', 'team', false],
  ])('gives %s the kubernetes Service\'s variables', (_, namespace, links) => {
    const p = { ...ctx.pod, metadata: { ...ctx.pod.metadata, namespace }, spec: { ...(ctx.pod.spec as object), enableServiceLinks: links } };
    const master = svc('kubernetes', '127.224.0.1', [{ name: 'https', port: 443 }]) as never;
    const own = { ...svc('b', '127.224.0.8', [{ port: 80 }]), metadata: { name: 'b', namespace } } as never;
    const r = resolveContainerEnv({ name: 'c', image: 'x', command: ['x'] } as never, { ...ctx, pod: p as never }, { configMaps: new Map(), secrets: new Map(), services: [own], masterService: master });
    expect(r.ok && [r.env.KUBERNETES_SERVICE_HOST, r.env.KUBERNETES_SERVICE_PORT, r.env.KUBERNETES_SERVICE_PORT_HTTPS]).toEqual(['127.224.0.1', '443', '443']);
    expect(r.ok && r.env.B_SERVICE_HOST).toBe(links ? '127.224.0.8' : undefined);
  });
});
