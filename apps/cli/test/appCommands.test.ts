import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMapYaml, git, makeRepo, type TestRepo } from '../../git-watcher/test/gitRepo.js';
import { CONFIGMAPS, GitWatcherCluster } from '../../git-watcher/test/gitWatcherCluster.js';
import { skiffWith, writeAdminKubeconfig } from './skiffCli.js';

const secretYaml = (name: string, password: string) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
data:
  password: ${Buffer.from(password).toString('base64')}
`;

/** `skiff app diff/history` and `skiff rollback ID` as a user runs them: the real CLI against a real API server and git watcher. */
describe('skiff app diff, app history, rollback by history id', () => {
  let c: GitWatcherCluster;
  let repo: TestRepo;
  let work: string;
  let kubeconfig: string;
  let first: string;

  const skiff = skiffWith(() => kubeconfig);

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    work = mkdtempSync(join(tmpdir(), 'skiff-appcmd-'));
    kubeconfig = join(work, 'kubeconfig');
    writeAdminKubeconfig(kubeconfig, c.url);
    repo = makeRepo();
    first = repo.commit(
      { 'deploy/config.yaml': configMapYaml('web-config', { color: 'blue', size: 'm' }), 'deploy/old.yaml': configMapYaml('old', { a: '1' }), 'deploy/db.yaml': secretYaml('db', 'hunter2') },
      'first version',
    );
    await c.namespace('shop');
    await c.createApp('shop', { source: { repoURL: repo.dir, targetRevision: 'main', path: 'deploy' }, destination: { namespace: 'shop' }, syncPolicy: { automated: { prune: true } } });
    await c.until('shop Synced at the first commit', () => c.syncedAt('shop', first));
  });

  afterAll(async () => {
    await c?.stop();
    repo?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('diffs a revision on another branch: changed, created and pruned objects, secret values masked; exit 1', async () => {
    git(repo.dir, ['checkout', '-q', '-b', 'next']);
    repo.commit({ 'deploy/config.yaml': configMapYaml('web-config', { color: 'green', size: 'm' }), 'deploy/old.yaml': null, 'deploy/new.yaml': configMapYaml('new', { b: '2' }), 'deploy/db.yaml': secretYaml('db', 'correct horse') }, 'next version');
    git(repo.dir, ['checkout', '-q', 'main']);

    const out = await skiff(['app', 'diff', 'shop', '--revision', 'next', '--color', 'never']);
    expect(out.stderr).toMatch(/1 to create, 2 to update, 1 to delete, 0 unchanged/);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('===== ConfigMap shop/web-config (update)');
    expect(out.stdout.split('\n').filter((l) => /^[-+] /.test(l) && !l.includes('secret value'))).toContain('-  color: blue');
    expect(out.stdout).toContain('+  color: green');
    expect(out.stdout).toContain('===== ConfigMap shop/new (create)');
    expect(out.stdout).toContain('===== ConfigMap shop/old (delete)');
    expect(out.stdout).toContain('===== Secret shop/db (update)');
    expect(out.stdout + out.stderr).not.toMatch(/hunter2|correct horse|aHVudGVyMg|Y29ycmVjdCBob3JzZQ/);
    // Nothing was applied: the dry run left the live objects as they were.
    expect(c.get(CONFIGMAPS, 'shop', 'web-config')?.data).toEqual({ color: 'blue', size: 'm' });
  });

  it('a local folder equal to the live state diffs empty: exit 0; colours only when asked', async () => {
    const local = join(work, 'local');
    mkdirSync(local);
    writeFileSync(join(local, 'config.yaml'), configMapYaml('web-config', { color: 'blue', size: 'm' }));
    writeFileSync(join(local, 'old.yaml'), configMapYaml('old', { a: '1' }));
    writeFileSync(join(local, 'db.yaml'), secretYaml('db', 'hunter2'));
    const same = await skiff(['app', 'diff', 'shop', '--local', local]);
    expect(same.stderr).toMatch(/0 to create, 0 to update, 0 to delete, 3 unchanged/);
    expect(same.code).toBe(0);
    expect(same.stdout).toBe('');

    writeFileSync(join(local, 'config.yaml'), configMapYaml('web-config', { color: 'red', size: 'm' }));
    const colored = await skiff(['app', 'diff', 'shop', '--local', local, '--color', 'always']);
    expect(colored.code).toBe(1);
    expect(colored.stdout).toContain('\u001b[32m+  color: red\u001b[0m');
  });

  it('a local kustomize folder is rendered as the git watcher renders it', async () => {
    const local = join(work, 'kustomized');
    mkdirSync(local);
    writeFileSync(join(local, 'kustomization.yaml'), 'resources:\n  - config.yaml\ncommonLabels:\n  tier: web\n');
    writeFileSync(join(local, 'config.yaml'), configMapYaml('web-config', { color: 'blue', size: 'm' }));
    const out = await skiff(['app', 'diff', 'shop', '--local', local]);
    expect(out.stderr).toMatch(/0 to create, 1 to update, 2 to delete, 0 unchanged/);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('+    tier: web');
  });

  it('a bad manifest is an error with file and line: exit 2', async () => {
    const local = join(work, 'bad');
    mkdirSync(local);
    writeFileSync(join(local, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n');
    const out = await skiff(['app', 'diff', 'shop', '--local', local]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/cm\.yaml:\d+ metadata\.name: metadata\.name is required/);
  });

  it('history lists the revisions with ids, and rollback takes an id', async () => {
    const second = repo.commit({ 'deploy/config.yaml': configMapYaml('web-config', { color: 'yellow', size: 'm' }) }, 'second version');
    await c.until('shop Synced at the second commit', () => c.syncedAt('shop', second));

    const history = await skiff(['app', 'history', 'shop']);
    expect(history.code).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+DATE\s+REVISION\s+HEALTHY\s+AUTHOR\s+MESSAGE$/);
    expect(lines[1]).toMatch(new RegExp(`^1\\s+\\S+\\s+${first.slice(0, 7)}\\s+.*first version$`));
    expect(lines[2]).toMatch(new RegExp(`^2\\s+\\S+\\s+${second.slice(0, 7)} \\(live\\)\\s+.*second version$`));

    const unknown = await skiff(['rollback', 'shop', '7']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no history entry with id 7 (ids: 1, 2)');

    const rolled = await skiff(['rollback', 'shop', '1']);
    expect(rolled.stdout).toContain(`history id 1 is revision ${first.slice(0, 7)}`);
    expect(rolled.code).toBe(0);
    const head = git(repo.dir, ['rev-parse', 'main']);
    expect(head).not.toBe(second);
    await c.until('shop Synced at the rollback commit', () => c.syncedAt('shop', head));
    expect(c.get(CONFIGMAPS, 'shop', 'web-config')?.data).toEqual({ color: 'blue', size: 'm' });
  });
});
