import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resourceType } from '@skiff/kube-client';
import { makeRepo, type TestRepo } from './gitRepo.js';
import { GitWatcherCluster } from './gitWatcherCluster.js';

const SECRETS = resourceType('secrets');

const secretYaml = (name: string, password: string) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
stringData:
  password: ${JSON.stringify(password)}
`;

/** Secrets committed with stringData: synced once, never drift forever, and their values never reach status or Events. */
describe('git watcher: Secrets', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    c.watch(SECRETS);
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('a Secret with stringData is Synced, and a live change is healed with an Event that names the key but not the values', async () => {
    const r = makeRepo();
    repos.push(r);
    const head = r.commit({ 'db.yaml': secretYaml('db', 'hunter2') }, 'db secret');
    await c.namespace('vault');
    await c.createApp('vault', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'vault' }, syncPolicy: { automated: { prune: true, selfHeal: true } } });
    await c.until('Synced (stringData is stored as data)', () => c.syncedAt('vault', head));
    expect(c.get(SECRETS, 'vault', 'db')?.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });

    await c.client.patch(SECRETS, 'vault', 'db', { stringData: { password: 'stolen' } }, 'merge');
    await c.until('a DriftCorrected event', () => c.eventsFor('vault', 'DriftCorrected').length > 0);
    await c.until('the value put back', () => (c.get(SECRETS, 'vault', 'db')?.data as Record<string, string>)?.password === Buffer.from('hunter2').toString('base64'));
    const [event] = c.eventsFor('vault', 'DriftCorrected');
    expect(event.message).toBe('Secret vault/db: data.password: <live secret value> -> <secret value in git>');
    const everything = JSON.stringify([c.app('vault'), c.eventsFor('vault')]);
    expect(everything).not.toMatch(/hunter2|stolen|aHVudGVyMg|c3RvbGVu/);
    await c.until('Synced again', () => c.syncedAt('vault', head));
  });
});
