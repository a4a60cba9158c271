import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, kubectlFor, selfSignedCert, startTestServer, type TestBackend } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

/**
 * Each of Skiff's components is its own user, `system:skiff:<name>`, bound at start to a ClusterRole
 * of what it does: asked through real kubectl (`auth can-i --as`), as an operator would check it.
 */
describe('the components\' own identities', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let dir: string;
  let run: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-component-roles-'));
    const tls = selfSignedCert(dir);
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { tls });
    run = kubectlFor(dir, server, tls.cert);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const can = async (component: string, ...args: string[]) => (await run(['auth', 'can-i', '--as', `system:skiff:${component}`, ...args])).stdout.trim();

  it.each([
    // The scheduler binds pods and says why one cannot be placed; it makes and reads no Secrets.
    ['scheduler', ['create', 'pods', '--subresource=binding', '-n', 'shop'], 'yes'],
    ['scheduler', ['patch', 'pods', '--subresource=status', '-n', 'shop'], 'yes'],
    ['scheduler', ['create', 'pods', '-n', 'shop'], 'no'],
    ['scheduler', ['get', 'secrets', '-n', 'shop'], 'no'],
    // The proxy reads Services and their endpoints, and Ingress certificates; it writes only status.
    ['proxy', ['list', 'endpointslices.discovery.k8s.io', '-A'], 'yes'],
    ['proxy', ['watch', 'secrets', '-A'], 'yes'],
    ['proxy', ['patch', 'ingresses.networking.k8s.io', '--subresource=status', '-n', 'shop'], 'yes'],
    ['proxy', ['delete', 'services', '-n', 'shop'], 'no'],
    ['proxy', ['create', 'pods', '-n', 'shop'], 'no'],
    // The notifier reads a webhook's signing Secret by name, never all of them.
    ['notifier', ['get', 'secrets', '-n', 'shop'], 'yes'],
    ['notifier', ['list', 'secrets', '-n', 'shop'], 'no'],
    ['notifier', ['update', 'webhooks.skiff.dev', '--subresource=status', '-n', 'shop'], 'yes'],
    ['notifier', ['delete', 'webhooks.skiff.dev', '-n', 'shop'], 'no'],
    // The controller manager makes the controllers' products and cleans up; it grants nothing.
    ['controller-manager', ['create', 'replicasets.apps', '-n', 'shop'], 'yes'],
    ['controller-manager', ['delete', 'pods', '-n', 'shop'], 'yes'],
    ['controller-manager', ['create', 'secrets', '-n', 'shop'], 'no'],
    ['controller-manager', ['create', 'clusterrolebindings.rbac.authorization.k8s.io'], 'no'],
    ['controller-manager', ['impersonate', 'serviceaccounts', '-n', 'shop'], 'no'],
    ['controller-manager', ['escalate', 'clusterroles.rbac.authorization.k8s.io'], 'no'],
    // The git watcher applies Applications' objects as their accounts (and Argo CD's as itself).
    ['git-watcher', ['impersonate', 'serviceaccounts', '-n', 'shop'], 'yes'],
    // Simulated nodes register and heartbeat Nodes, report pods' status and finish their deletion.
    ['simulated-nodes', ['create', 'nodes'], 'yes'],
    ['simulated-nodes', ['patch', 'nodes', '--subresource=status'], 'yes'],
    ['simulated-nodes', ['update', 'leases.coordination.k8s.io', '-n', 'kube-node-lease'], 'yes'],
    ['simulated-nodes', ['watch', 'pods', '-A'], 'yes'],
    ['simulated-nodes', ['patch', 'pods', '--subresource=status', '-n', 'shop'], 'yes'],
    ['simulated-nodes', ['create', 'pods', '-n', 'shop'], 'no'],
    ['simulated-nodes', ['get', 'secrets', '-n', 'shop'], 'no'],
  ] as const)('%s: can-i %j -> %s', async (component, args, answer) => {
    expect(await can(component, ...args)).toBe(answer);
  });

  it('marks a notification Event verified only when the component that owns its type wrote it', async () => {
    expect((await run(['create', 'namespace', 'shop'])).code).toBe(0);
    const event = (name: string, type: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'shop', annotations: { 'skiff.dev/event': type } }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'shop' }, reason: 'R', message: 'm' });
    const create = async (as: string, name: string, type: string) => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, event(name, type));
      const r = await run(['create', '-f', file, '--as', `system:skiff:${as}`]);
      expect(r.code, r.out).toBe(0);
      return JSON.parse((await run(['get', 'event', name, '-n', 'shop', '-o', 'json'])).stdout).metadata.annotations['skiff.dev/notification-verified'];
    };
    expect(await create('git-watcher', 'synced', 'sync.succeeded')).toBe('true');
    // The controller manager may write Events, but a sync notification is not its to send.
    expect(await create('controller-manager', 'forged-sync', 'sync.succeeded')).toBeUndefined();
    expect(await create('controller-manager', 'not-ready', 'node.notready')).toBe('true');
    expect(await create('git-watcher', 'forged-node', 'node.notready')).toBeUndefined();
  });
});
