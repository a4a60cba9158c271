import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, request, startCluster, type TestCluster } from './cluster.js';

// Debian's python3-kubernetes (the official client; .ci/run installs it), with Debian's own python.
const PYTHON = '/usr/bin/python3';
const pythonScript = (name: string) => fileURLToPath(new URL(`./python/${name}`, import.meta.url));

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata:
  name: e2e
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: e2e
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:v1
          command: ["node", "-e", "require('http').createServer((q, s) => s.end('ok')).listen(8080, process.env.POD_IP)"]
          ports:
            - {containerPort: 8080, name: http}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: e2e
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http}
`;

const SSA_CONFIGMAP = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: e2e
data:
  mode: fast
`;

describe('the real kubectl against `skiff up`', () => {
  let cluster: TestCluster;
  let dir: string;
  let manifest: string;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 0 });
    dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-'));
    manifest = join(dir, 'app.yaml');
    writeFileSync(manifest, MANIFEST);
    writeFileSync(join(dir, 'settings.yaml'), SSA_CONFIGMAP);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the API resources', async () => {
    const out = await kubectlOk(cluster, ['api-resources']);
    for (const line of [/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m, /^pods\s+po\s+v1\s+true\s+Pod/m, /^namespaces\s+ns\s+v1\s+false\s+Namespace/m, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease/m]) {
      expect(out).toMatch(line);
    }
  });

  it('skiff up writes the audit log into the data dir: a line per kubectl request, mode 0600', async () => {
    await kubectlOk(cluster, ['create', 'configmap', 'audit-probe', '--from-literal=k=never-in-the-audit-log']);
    const path = join(cluster.dataDir, 'logs', 'audit.log');
    const line = await eventually('the create in the audit log', async () => readFileSync(path, 'utf8').split('\n').find((l) => l.includes('"verb":"create"') && l.includes('"resource":"configmaps"')));
    expect(JSON.parse(line!)).toMatchObject({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', objectRef: { resource: 'configmaps', namespace: 'default', apiVersion: 'v1' }, responseStatus: { code: 201 }, userAgent: expect.stringMatching(/^kubectl/) });
    expect(readFileSync(path, 'utf8')).not.toContain('never-in-the-audit-log');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('applies a file, and applying it again changes nothing', async () => {
    const first = await kubectlOk(cluster, ['apply', '-f', manifest]);
    expect(first).toContain('namespace/e2e created');
    expect(first).toContain('deployment.apps/web created');
    expect(first).toContain('service/web created');
    const second = await kubectlOk(cluster, ['apply', '-f', manifest]);
    expect(second).toContain('namespace/e2e unchanged');
    expect(second).toContain('deployment.apps/web unchanged');
    expect(second).toContain('service/web unchanged');
  });

  it('gets several kinds across namespaces with their columns', async () => {
    const out = await kubectlOk(cluster, ['get', 'deploy,rs,pods,svc', '-A']);
    expect(out).toMatch(/NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    // UP-TO-DATE counts the new ReplicaSet's pods, scheduled or not: 0 or 2 depending on whether
    // the controller manager is up yet. No node ever runs them (this cluster has no nodes).
    expect(out).toMatch(/e2e\s+deployment\.apps\/web\s+0\/2\s+[02]\s+0\s+\d+s/);
    expect(out).toMatch(/NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    expect(out).toMatch(/e2e\s+service\/web\s+ClusterIP/);
  });

  it('prints an object as YAML with its defaults', async () => {
    const out = await kubectlOk(cluster, ['get', 'deploy', 'web', '-n', 'e2e', '-o', 'yaml']);
    const deploy = yaml.load(out) as Record<string, any>;
    expect(deploy.kind).toBe('Deployment');
    expect(deploy.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(deploy.metadata.generation).toBe(1);
    expect(deploy.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(deploy.spec.revisionHistoryLimit).toBe(10);
    expect(deploy.spec.progressDeadlineSeconds).toBe(600);
    expect(deploy.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"replicas":2');
  });

  it('patches with a strategic merge patch that keeps the rest of the container', async () => {
    const out = await kubectlOk(cluster, ['patch', 'deploy', 'web', '-n', 'e2e', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"example/web:v2"}]}}}}']);
    expect(out).toContain('deployment.apps/web patched');
    const deploy = JSON.parse(await kubectlOk(cluster, ['get', 'deploy', 'web', '-n', 'e2e', '-o', 'json']));
    const [container] = deploy.spec.template.spec.containers;
    expect(container.image).toBe('example/web:v2');
    expect(container.command[0]).toBe('node');
    expect(container.ports).toEqual([{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
    expect(deploy.metadata.generation).toBe(2);
  });

  it('scales through the scale subresource', async () => {
    expect(await kubectlOk(cluster, ['scale', 'deploy', 'web', '-n', 'e2e', '--replicas=4'])).toContain('deployment.apps/web scaled');
    expect(await kubectlOk(cluster, ['get', 'deploy', 'web', '-n', 'e2e', '-o', 'jsonpath={.spec.replicas}'])).toBe('4');
  });

  it('labels an object and selects by label', async () => {
    expect(await kubectlOk(cluster, ['label', 'deploy', 'web', '-n', 'e2e', 'tier=front'])).toContain('deployment.apps/web labeled');
    const selected = await kubectlOk(cluster, ['get', 'deploy', '-A', '-l', 'tier=front', '-o', 'name']);
    expect(selected.trim()).toBe('deployment.apps/web');
    const none = await kubectl(cluster, ['get', 'deploy', '-A', '-l', 'tier in (back,db)', '-o', 'name']);
    expect(none.code).toBe(0);
    expect(none.stdout.trim()).toBe('');
  });

  it('creates a configmap imperatively and server-side applies another', async () => {
    expect(await kubectlOk(cluster, ['create', 'configmap', 'cfg', '-n', 'e2e', '--from-literal=a=1'])).toContain('configmap/cfg created');
    expect(await kubectlOk(cluster, ['apply', '--server-side', '-f', join(dir, 'settings.yaml')])).toContain('configmap/settings serverside-applied');
    const cm = JSON.parse(await kubectlOk(cluster, ['get', 'cm', 'settings', '-n', 'e2e', '-o', 'json', '--show-managed-fields']));
    expect(cm.data).toEqual({ mode: 'fast' });
    expect(cm.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply')).toBe(true);
    // Applying the same configuration again is a no-op for the stored object.
    expect(await kubectlOk(cluster, ['apply', '--server-side', '-f', join(dir, 'settings.yaml')])).toContain('configmap/settings serverside-applied');
    const again = JSON.parse(await kubectlOk(cluster, ['get', 'cm', 'settings', '-n', 'e2e', '-o', 'json', '--show-managed-fields']));
    expect(again.metadata.resourceVersion).toBe(cm.metadata.resourceVersion);
  });

  describe('typed-client commands, which send protobuf bodies', () => {
    const ns = ['-n', 'imperative'];

    it('kubectl create deployment', async () => {
      expect(await kubectlOk(cluster, ['create', 'namespace', 'imperative'])).toContain('namespace/imperative created');
      expect(await kubectlOk(cluster, ['create', 'deployment', 'web', ...ns, '--image=nginx:1', '--replicas=2', '--port=8080'])).toContain('deployment.apps/web created');
      const deploy = JSON.parse(await kubectlOk(cluster, ['get', 'deploy', 'web', ...ns, '-o', 'json']));
      expect(deploy.spec.replicas).toBe(2);
      expect(deploy.spec.selector).toEqual({ matchLabels: { app: 'web' } });
      expect(deploy.spec.template.metadata.labels).toEqual({ app: 'web' });
      const [container] = deploy.spec.template.spec.containers;
      expect(container).toMatchObject({ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] });
      // Defaults apply as for a JSON body: the zero values Go marshals are not taken as set.
      expect(deploy.spec.template.spec.restartPolicy).toBe('Always');
      expect(container.terminationMessagePath).toBe('/dev/termination-log');
      expect(deploy.spec.strategy.type).toBe('RollingUpdate');
    });

    it('kubectl expose deployment', async () => {
      expect(await kubectlOk(cluster, ['expose', 'deployment', 'web', ...ns, '--port', '80', '--target-port', '8080'])).toContain('service/web exposed');
      const svc = JSON.parse(await kubectlOk(cluster, ['get', 'svc', 'web', ...ns, '-o', 'json']));
      expect(svc.spec.selector).toEqual({ app: 'web' });
      expect(svc.spec.type).toBe('ClusterIP');
      expect(svc.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(svc.spec.ports).toEqual([{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
    });

    it('kubectl create service nodeport and clusterip', async () => {
      expect(await kubectlOk(cluster, ['create', 'service', 'nodeport', 'np', ...ns, '--tcp=80:8080'])).toContain('service/np created');
      const np = JSON.parse(await kubectlOk(cluster, ['get', 'svc', 'np', ...ns, '-o', 'json']));
      expect(np.spec.type).toBe('NodePort');
      expect(np.spec.selector).toEqual({ app: 'np' });
      expect(np.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(np.spec.ports).toHaveLength(1);
      expect(np.spec.ports[0]).toMatchObject({ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' });
      expect(np.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
      expect(np.spec.ports[0].nodePort).toBeLessThanOrEqual(32767);

      expect(await kubectlOk(cluster, ['create', 'service', 'clusterip', 'x', ...ns, '--tcp=80:8080'])).toContain('service/x created');
      const x = JSON.parse(await kubectlOk(cluster, ['get', 'svc', 'x', ...ns, '-o', 'json']));
      expect(x.spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080 }] });
      expect(x.spec.ports[0]).not.toHaveProperty('nodePort');
    });

    it('kubectl run', async () => {
      expect(await kubectlOk(cluster, ['run', 'once', ...ns, '--image=busybox', '--restart=Never', '--', 'sleep', '1'])).toContain('pod/once created');
      const pod = JSON.parse(await kubectlOk(cluster, ['get', 'pod', 'once', ...ns, '-o', 'json']));
      expect(pod.spec.restartPolicy).toBe('Never');
      expect(pod.spec.containers[0]).toMatchObject({ name: 'once', image: 'busybox', args: ['sleep', '1'] });
      expect(await kubectlOk(cluster, ['run', 'cmd', ...ns, '--image=busybox', '--restart=Never', '--command', '--', 'sleep', '1'])).toContain('pod/cmd created');
      const cmd = JSON.parse(await kubectlOk(cluster, ['get', 'pod', 'cmd', ...ns, '-o', 'json']));
      expect(cmd.spec.containers[0].command).toEqual(['sleep', '1']);
      expect(cmd.spec.containers[0]).not.toHaveProperty('args');
    });
  });

  describe('field validation: a misspelt field fails, warns or is dropped as against Kubernetes', () => {
    const misspelt = (name: string, typo: 'replica' | 'imagee') => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
spec:
  ${typo === 'replica' ? 'replica' : 'replicas'}: 3
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: nginx
          ${typo === 'imagee' ? 'imagee' : 'image'}: nginx:1.27
`;
    const file = (name: string, typo: 'replica' | 'imagee') => {
      const path = join(dir, `${name}.yaml`);
      writeFileSync(path, misspelt(name, typo));
      return path;
    };

    it('kubectl create -f (strict by default) names the unknown field and creates nothing', async () => {
      const path = file('typo-create', 'replica');
      const r = await kubectl(cluster, ['create', '-f', path]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${path}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"`);
      expect((await kubectl(cluster, ['get', 'deploy', 'typo-create'])).code).not.toBe(0);
    });

    it('kubectl apply -f (client-side) of a new object names the field inside the container list', async () => {
      const path = file('typo-apply', 'imagee');
      const r = await kubectl(cluster, ['apply', '-f', path]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${path}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagee"`);
    });

    it('kubectl apply -f of a changed object with a misspelt field is refused by the patch', async () => {
      const path = file('typo-patch', 'replica');
      expect(await kubectlOk(cluster, ['apply', '-f', path, '--validate=false'])).toContain('deployment.apps/typo-patch created');
      writeFileSync(path, misspelt('typo-patch', 'replica').replace('replica: 3', 'replica: 4'));
      const r = await kubectl(cluster, ['apply', '-f', path]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('strict decoding error: unknown field "spec.replica"');
    });

    it('--validate=warn prints the warning and creates', async () => {
      const r = await kubectl(cluster, ['apply', '-f', file('typo-warn', 'replica'), '--validate=warn']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('Warning: unknown field "spec.replica"');
      expect(r.stdout).toContain('deployment.apps/typo-warn created');
    });

    it('--validate=false creates without the unknown field', async () => {
      expect(await kubectlOk(cluster, ['create', '-f', file('typo-ignore', 'replica'), '--validate=false'])).toContain('deployment.apps/typo-ignore created');
      const deploy = JSON.parse(await kubectlOk(cluster, ['get', 'deploy', 'typo-ignore', '-o', 'json']));
      expect(deploy.spec).not.toHaveProperty('replica');
      expect(deploy.spec.replicas).toBe(1);
      // Without the image the misspelling leaves a Deployment Kubernetes would not take either.
      const imagee = await kubectl(cluster, ['create', '-f', file('typo-imagee', 'imagee'), '--validate=false']);
      expect(imagee.stderr).toContain('spec.template.spec.containers[0].image: Required value');
    });

    it('kubectl apply --server-side fails on the undeclared field as kube-apiserver does', async () => {
      const r = await kubectl(cluster, ['apply', '--server-side', '-f', file('typo-ssa', 'imagee')]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('failed to create typed patch object (default/typo-ssa; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="nginx"].imagee: field not declared in schema');
    });

    it('server-side apply by a second manager of equal values shares the fields; a different value conflicts', async () => {
      const path = join(dir, 'shared.yaml');
      writeFileSync(path, misspelt('shared', 'replica').replace('replica: 3', 'replicas: 3'));
      expect(await kubectlOk(cluster, ['apply', '--server-side', '-f', path])).toContain('deployment.apps/shared serverside-applied');
      expect(await kubectlOk(cluster, ['apply', '--server-side', '--field-manager=other', '-f', path])).toContain('deployment.apps/shared serverside-applied');
      writeFileSync(path, misspelt('shared', 'replica').replace('replica: 3', 'replicas: 5'));
      const r = await kubectl(cluster, ['apply', '--server-side', '--field-manager=other', '-f', path]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    });
  });

  it('watches: `kubectl get cm -w` shows a change made by another client', async () => {
    const watcher = spawn('kubectl', ['get', 'cm', '-n', 'e2e', '-w'], { env: { ...process.env, KUBECONFIG: cluster.kubeconfig } });
    let out = '';
    watcher.stdout.on('data', (d) => (out += d));
    watcher.stderr.on('data', (d) => (out += d));
    try {
      await eventually('the initial list', async () => /settings/.test(out));
      await kubectlOk(cluster, ['create', 'configmap', 'watched', '-n', 'e2e', '--from-literal=k=v']);
      await eventually('the new configmap in the watch output', async () => /watched\s+1\s+\d+s/.test(out));
    } finally {
      watcher.kill();
    }
  });

  it('explains a kind and a nested field from the OpenAPI documents', async () => {
    const pod = await kubectlOk(cluster, ['explain', 'pods']);
    expect(pod).toMatch(/KIND:\s+Pod\nVERSION:\s+v1/);
    expect(pod).toMatch(/spec\s+<PodSpec>/);
    const ports = await kubectlOk(cluster, ['explain', 'deployment.spec.template.spec.containers.ports']);
    expect(ports).toMatch(/GROUP:\s+apps/);
    expect(ports).toMatch(/containerPort\s+<integer>/);
    const pdb = await kubectlOk(cluster, ['explain', 'pdb.spec']);
    expect(pdb).toMatch(/GROUP:\s+policy\nKIND:\s+PodDisruptionBudget/);
    expect(pdb).toMatch(/selector\s+<LabelSelector>/);
  });

  it('client-side apply drops a container removed from the file: lists merge by their keys', async () => {
    const deployment = (containers: string[]) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: two, namespace: default}
spec:
  replicas: 0
  selector: {matchLabels: {app: two}}
  template:
    metadata: {labels: {app: two}}
    spec:
      containers:
${containers.map((c) => `        - {name: ${c}, image: example/${c}:v1, ports: [{containerPort: 80}]}`).join('\n')}
`;
    await kubectlOk(cluster, ['apply', '-f', '-'], deployment(['web', 'sidecar']));
    await kubectlOk(cluster, ['apply', '-f', '-'], deployment(['web']));
    expect(await kubectlOk(cluster, ['get', 'deployment', 'two', '-o', 'jsonpath={.spec.template.spec.containers[*].name}'])).toBe('web');
    await kubectlOk(cluster, ['delete', 'deployment', 'two']);
  });

  it('deletes what the file declared', async () => {
    const out = await kubectlOk(cluster, ['delete', '-f', manifest]);
    expect(out).toContain('namespace "e2e" deleted');
    expect(out).toContain('deployment.apps "web" deleted');
    expect(out).toContain('service "web" deleted');
    await eventually('the namespace to be gone', async () => (await kubectl(cluster, ['get', 'ns', 'e2e'])).code !== 0, 30_000);
    const gone = await kubectl(cluster, ['get', 'deploy', 'web', '-n', 'e2e']);
    expect(gone.stderr).toContain('NotFound');
  });

  it('refuses a request without the token', async () => {
    const res = await request(cluster, '/api/v1/namespaces');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await request(cluster, '/api/v1/namespaces', 'wrong-token')).status).toBe(401);
    expect((await request(cluster, '/healthz')).status).toBe(200);
  });

  /** Runs one of ./python's scripts with the cluster's kubeconfig; its stdout as JSON lines. */
  async function python(script: string, args: string[]): Promise<Record<string, unknown>[]> {
    expect(existsSync(PYTHON)).toBe(true);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(PYTHON, [pythonScript(script), cluster.kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    return out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('the official Python client: kubernetes.watch.Watch().stream sees ADDED, MODIFIED and DELETED', async () => {
    const events = (await python('watch_configmaps.py', ['default', 'py-watched'])).filter((e) => e.name === 'py-watched');
    expect(events).toEqual([
      { type: 'ADDED', name: 'py-watched', data: { v: '1' } },
      { type: 'MODIFIED', name: 'py-watched', data: { v: '2' } },
      { type: 'DELETED', name: 'py-watched', data: { v: '2' } },
    ]);
  });

  it('the official Python client: a list-then-watch informer with a label selector keeps its cache right, an object relabelled out of the selector arriving as DELETED', async () => {
    expect(await python('informer_configmaps.py', ['default'])).toEqual([
      { type: 'ADDED', name: 'py-first', team: 'py' },
      { type: 'MODIFIED', name: 'py-first', team: 'py' },
      // It left the selector: kube-apiserver sends DELETED with the object as it was.
      { type: 'DELETED', name: 'py-first', team: 'py' },
      { type: 'ADDED', name: 'py-second', team: 'py' },
      { type: 'DELETED', name: 'py-second', team: 'py' },
      { cache: [] },
    ]);
  });
});
