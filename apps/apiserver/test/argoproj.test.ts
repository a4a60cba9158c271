import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, kubectlFor, selfSignedCert, startTestServer, type TestBackend } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

/** An Argo CD Application as Argo CD's getting-started guide shapes one (our own values). */
const ARGO_APP = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  source:
    repoURL: https://git.example.com/team/examples.git
    targetRevision: HEAD
    path: guestbook
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
`;

/** A CRD for a group Skiff serves built in, as a repository that installs Argo CD ships one. */
const ARGO_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: applications.argoproj.io
spec:
  group: argoproj.io
  names: { kind: Application, listKind: ApplicationList, plural: applications, singular: application, shortNames: [app, apps] }
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;

describe('argoproj.io kinds with the real kubectl', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let dir: string;
  let run: ReturnType<typeof kubectlFor>;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-argoproj-kubectl-'));
    const tls = selfSignedCert(dir);
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { tls });
    run = kubectlFor(dir, server, tls.cert);
    expect((await run(['create', 'namespace', 'argocd'])).code).toBe(0);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies an Argo CD Application without a CRD; `get applications.argoproj.io` prints Argo CD\'s columns', async () => {
    const applied = await run(['apply', '-f', file('guestbook.yaml', ARGO_APP)]);
    expect(applied.out).toMatch(/application.argoproj.io\/guestbook created/);
    expect((await run(['apply', '-f', file('guestbook.yaml', ARGO_APP)])).out).toMatch(/application.argoproj.io\/guestbook unchanged/);
    const patched = await run(['patch', 'applications.argoproj.io', 'guestbook', '-n', 'argocd', '--subresource=status', '--type=merge', '-p', '{"status":{"sync":{"status":"Synced","revision":"0123456789abcdef"},"health":{"status":"Healthy"}}}']);
    expect(patched.code).toBe(0);

    const get = await run(['get', 'applications.argoproj.io', '-n', 'argocd']);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^NAME\s+SYNC STATUS\s+HEALTH STATUS\s*$/m);
    expect(get.stdout).toMatch(/^guestbook\s+Synced\s+Healthy\s*$/m);
    const wide = await run(['get', 'apps', '-n', 'argocd', '-o', 'wide']);
    expect(wide.stdout).toMatch(/^NAME\s+SYNC STATUS\s+HEALTH STATUS\s+REVISION\s+PROJECT\s*$/m);
    expect(wide.stdout).toMatch(/^guestbook\s+Synced\s+Healthy\s+0123456789abcdef\s+default\s*$/m);
    // `app` stays skiff.dev's: there are none in argocd.
    expect((await run(['get', 'app', '-n', 'argocd'])).out).toMatch(/No resources found in argocd namespace/);

    const explained = await run(['explain', 'applications.argoproj.io.spec.destination']);
    expect(explained.stdout).toMatch(/server\s+<string>/);
    expect(explained.stdout).toMatch(/namespace\s+<string>/);

    const resources = await run(['api-resources', '--api-group=argoproj.io']);
    expect(resources.stdout).toMatch(/^applications\s+apps\s+argoproj.io\/v1alpha1\s+true\s+Application\s*$/m);
    expect(resources.stdout).toMatch(/^applicationsets\s+appset,appsets\s+argoproj.io\/v1alpha1\s+true\s+ApplicationSet\s*$/m);
    expect(resources.stdout).toMatch(/^appprojects\s+appproj,appprojs\s+argoproj.io\/v1alpha1\s+true\s+AppProject\s*$/m);
  }, 90_000);

  it('refuses an Application with two destinations with the field cause', async () => {
    const bad = ARGO_APP.replace('guestbook\n  finalizers', 'bad\n  finalizers').replace('    server: https://kubernetes.default.svc\n', '    server: https://kubernetes.default.svc\n    name: in-cluster\n');
    const applied = await run(['apply', '-f', file('bad.yaml', bad)]);
    expect(applied.code).toBe(1);
    expect(applied.out).toContain('spec.destination.name: Invalid value: "in-cluster": must not be set together with destination.server');
  }, 60_000);

  it("accepts Argo CD's CRD for a group served built in, and keeps serving the built-in kind", async () => {
    const applied = await run(['apply', '-f', file('crd.yaml', ARGO_CRD)]);
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/customresourcedefinition.apiextensions.k8s.io\/applications.argoproj.io created/);
    const get = await run(['get', 'applications.argoproj.io', '-n', 'argocd']);
    expect(get.stdout).toMatch(/^NAME\s+SYNC STATUS\s+HEALTH STATUS\s*$/m);
    expect(get.stdout).toMatch(/^guestbook\s+Synced\s+Healthy\s*$/m);

    // Deleting that CRD deletes no Application: it never served the kind.
    const deleted = await run(['delete', 'crd', 'applications.argoproj.io', '--wait=true', '--timeout=30s']);
    expect(deleted.code).toBe(0);
    expect((await run(['get', 'crd', 'applications.argoproj.io'])).out).toMatch(/NotFound/);
    expect((await run(['get', 'applications.argoproj.io', 'guestbook', '-n', 'argocd', '-o', 'name'])).stdout.trim()).toBe('application.argoproj.io/guestbook');
  }, 90_000);
});
