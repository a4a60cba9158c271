import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, api, configMap, createBackend, deployment, kubectlFor, selfSignedCert, startTestServer, type TestBackend } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

/**
 * Where kube-apiserver 1.32's answers are compared byte for byte: Status bodies, query parameter
 * parsing, the protected namespaces, unconditional updates, the statuses of new objects,
 * `/version` and the `kubernetes` Service.
 */

const CM = '/api/v1/namespaces/default/configmaps';

function service(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

describe('kube-apiserver conformance', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let dir: string;
  let call: ReturnType<typeof api>;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-conformance-'));
    const tls = selfSignedCert(dir);
    backend = await createBackend('postgres');
    // No advertise address and no service range: the defaults a first `npm start` has.
    server = await startTestServer(backend, { tls, tokens: { [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] }, 'jane-token': { name: 'jane', groups: ['system:authenticated'] }, 'node-a-token': { name: 'system:node:a', groups: ['system:nodes'] } } });
    kubectl = kubectlFor(dir, server, tls.cert);
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    call = api(server);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('Status bodies are the bytes kube-apiserver writes', () => {
    it('AlreadyExists: details.group is left out for the core group', async () => {
      expect((await call('POST', CM, configMap('x'))).status).toBe(201);
      const again = await call('POST', CM, configMap('x'));
      expect(again.status).toBe(409);
      expect(again.headers.get('content-type')).toBe('application/json');
      expect(again.text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"x\\" already exists","reason":"AlreadyExists","details":{"name":"x","kind":"configmaps"},"code":409}\n',
      );
    });

    it('AlreadyExists for a name whose object is being deleted says so', async () => {
      expect((await kubectl(['create', 'namespace', 'doomed'])).code).toBe(0);
      expect((await kubectl(['delete', 'namespace', 'doomed', '--wait=false'])).code).toBe(0);
      expect(await kubectl(['create', 'namespace', 'doomed'])).toMatchObject({ code: 1, stderr: 'Error from server (AlreadyExists): object is being deleted: namespaces "doomed" already exists\n' });
    });

    it('NotFound, with the group qualifying the resource when there is one', async () => {
      expect((await call('GET', `${CM}/nope`)).text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404}\n',
      );
      expect((await call('GET', `${CM}/a%20b%09%C2%AD`)).json.message).toBe('configmaps "a b\\t\\u00ad" not found');
      expect((await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/nope')).text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","group":"apps","kind":"deployments"},"code":404}\n',
      );
    });

    it('Conflict on a stale resourceVersion', async () => {
      const created = await call('POST', CM, configMap('stale'));
      expect((await call('PUT', `${CM}/stale`, { ...created.json, data: { a: '2' } })).status).toBe(200);
      const stale = await call('PUT', `${CM}/stale`, { ...created.json, data: { a: '3' } });
      expect(stale.text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \\"stale\\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"stale","kind":"configmaps"},"code":409}\n',
      );
    });

    it('Invalid, with the kind qualified by its group, one cause bare and several in brackets', async () => {
      const one = deployment('web');
      one.spec.replicas = -1;
      expect((await call('POST', '/apis/apps/v1/namespaces/default/deployments', one)).text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Deployment.apps \\"web\\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0","reason":"Invalid","details":{"name":"web","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},"code":422}\n',
      );
      const two = { ...one, spec: { ...one.spec, revisionHistoryLimit: -2 } };
      expect((await call('POST', '/apis/apps/v1/namespaces/default/deployments', two)).json.message).toBe(
        'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0]',
      );
    });

    it('Forbidden for a protected namespace', async () => {
      expect((await call('DELETE', '/api/v1/namespaces/default')).text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \\"default\\" is forbidden: this namespace may not be deleted","reason":"Forbidden","details":{"name":"default","kind":"namespaces"},"code":403}\n',
      );
    });

    it('Forbidden by authorization: the group qualifies the resource, the subresource is named, cluster scope is said', async () => {
      const jane = api(server, 'jane-token');
      expect((await jane('GET', '/apis/apps/v1/namespaces/default/deployments/web')).text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"web\\" is forbidden: User \\"jane\\" cannot get resource \\"deployments\\" in API group \\"apps\\" in the namespace \\"default\\"","reason":"Forbidden","details":{"name":"web","group":"apps","kind":"deployments"},"code":403}\n',
      );
      expect((await jane('GET', '/api/v1/nodes')).json.message).toBe('nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
      expect((await jane('GET', '/api/v1/namespaces/default/pods/p/log')).json.message).toBe(
        'pods "p" is forbidden: User "jane" cannot get resource "pods/log" in API group "" in the namespace "default"',
      );
      const otherNode = await api(server, 'node-a-token')('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'b' } });
      expect(otherNode.json).toMatchObject({ code: 403, message: 'nodes "b" is forbidden: node "a" is not allowed to modify node "b"', details: { name: 'b', kind: 'nodes' } });
    });

    it('MethodNotAllowed, and an unknown resource, with empty details as the route table answers', async () => {
      const methodNotAllowed =
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server does not allow this method on the requested resource","reason":"MethodNotAllowed","details":{},"code":405}\n';
      expect((await call('PUT', CM, configMap('y'))).text).toBe(methodNotAllowed);
      expect((await call('DELETE', '/api/v1/namespaces')).text).toBe(methodNotAllowed);
      expect((await call('POST', `${CM}/named`, configMap('named'))).text).toBe(methodNotAllowed);
      expect((await call('GET', '/api/v1/namespaces/default/widgets')).text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}\n',
      );
      for (const path of ['/no/such/path', '/apis/unknown.example.com', '/apis/unknown.example.com/v1/things', '/apis/apps/v9/deployments', '/api/v2/pods']) {
        const outside = await call('GET', path);
        expect([outside.status, outside.text, outside.headers.get('content-type')]).toEqual([404, '404 page not found\n', 'text/plain; charset=utf-8']);
      }
    });

    it('a delete answers with a Status naming what went, except for pods, services and namespaces', async () => {
      const cm = await call('POST', CM, configMap('gone'));
      expect((await call('DELETE', `${CM}/gone`)).text).toBe(
        `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"gone","kind":"configmaps","uid":"${cm.json.metadata.uid}"}}\n`,
      );
      const d = await call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('gone'));
      expect((await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/gone')).json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: 'gone', group: 'apps', kind: 'deployments', uid: d.json.metadata.uid },
      });
      await call('POST', '/api/v1/namespaces/default/services', service('gone'));
      expect((await call('DELETE', '/api/v1/namespaces/default/services/gone')).json).toMatchObject({ kind: 'Service', metadata: { name: 'gone' } });
    });

    it('UnsupportedMediaType lists what the endpoint accepts', async () => {
      expect((await call('PATCH', `${CM}/x`, 'a=b', 'text/plain')).text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml","reason":"UnsupportedMediaType","code":415}\n',
      );
      expect((await call('POST', CM, 'a=b', 'text/plain')).json).toMatchObject({
        code: 415,
        message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      });
    });

    it('RequestEntityTooLarge names the limit', async () => {
      const big = await call('POST', CM, configMap('big', { a: 'x'.repeat(3 * 1024 * 1024) }));
      expect(big.text).toBe('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}\n');
    });

    it('BadRequest has no details', async () => {
      expect((await call('GET', `${CM}?limit=abc`)).text).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"strconv.ParseInt: parsing \\"abc\\": invalid syntax","reason":"BadRequest","code":400}\n',
      );
    });

    it('escapes <, > and & as Go does', async () => {
      const r = await call('POST', CM, { ...configMap('html'), data: { page: '<a href="x">&</a>' } });
      expect(r.text).toContain('"data":{"page":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"}');
      expect(r.json.data.page).toBe('<a href="x">&</a>');
      const watched = await fetch(`${server.url}${CM}?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dhtml`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(await watched.text()).toMatch(/^\{"type":"ADDED","object":\{.*"data":\{"page":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c\/a\\u003e"\}.*\}\}\n$/);
    });
  });

  describe('boolean and integer query parameters', () => {
    const watchBody = async (query: string) => {
      const res = await fetch(`${server.url}${CM}?${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      return { status: res.status, type: res.headers.get('content-type'), lines: (await res.text()).trim().split('\n').map((l) => JSON.parse(l)) };
    };

    it.each(['watch=true', 'watch=True', 'watch=TRUE', 'watch=1', 'watch=t', 'watch=yes', 'watch='])('%s watches', async (param) => {
      const w = await watchBody(`${param}&timeoutSeconds=1&fieldSelector=metadata.name%3Dx`);
      expect(w.status).toBe(200);
      expect(w.lines).toEqual([{ type: 'ADDED', object: expect.objectContaining({ kind: 'ConfigMap', metadata: expect.objectContaining({ name: 'x' }) }) }]);
    });

    it.each(['watch=false', 'watch=False', 'watch=FALSE', 'watch=0'])('%s lists', async (param) => {
      const r = await call('GET', `${CM}?${param}&fieldSelector=metadata.name%3Dx`);
      expect(r.json).toMatchObject({ kind: 'ConfigMapList', items: [{ metadata: { name: 'x' } }] });
    });

    it('allowWatchBookmarks=TRUE and sendInitialEvents=True end the initial events with a bookmark', async () => {
      const w = await watchBody('watch=1&allowWatchBookmarks=TRUE&sendInitialEvents=True&resourceVersionMatch=NotOlderThan&timeoutSeconds=1&fieldSelector=metadata.name%3Dx');
      expect(w.lines.map((l) => l.type)).toEqual(['ADDED', 'BOOKMARK']);
      expect(w.lines[1].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    });

    it('pretty: Go ParseBool values indent, anything else does not, and curl gets indented JSON unasked', async () => {
      for (const p of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
        const r = await call('GET', `${CM}/x?pretty=${p}`);
        expect(r.text.startsWith('{\n  "kind": "ConfigMap"') || r.text.startsWith('{\n  "apiVersion"')).toBe(true);
        expect(r.text.endsWith('}')).toBe(true);
      }
      for (const p of ['0', 'false', 'yes', '']) expect((await call('GET', `${CM}/x?pretty=${p}`)).text).toMatch(/^\{"[^\n]+\}\n$/);
      expect((await call('GET', `${CM}/x`, undefined, 'application/json', { 'user-agent': 'curl/8.5.0' })).text).toMatch(/^\{\n {2}"/);
      expect((await call('GET', `${CM}/x?pretty=false`, undefined, 'application/json', { 'user-agent': 'curl/8.5.0' })).text).toMatch(/^\{"/);
    });

    it('integers are read as strconv.ParseInt reads them', async () => {
      const limited = await call('GET', `${CM}?limit=%2B1`);
      expect(limited.json.items).toHaveLength(1);
      expect(limited.json.metadata.continue).toBeTruthy();
      for (const [query, message] of [
        ['timeoutSeconds=1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
        ['limit=', 'strconv.ParseInt: parsing "": invalid syntax'],
        ['limit=99999999999999999999', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
      ]) {
        expect(await call('GET', `${CM}?${query}`)).toMatchObject({ status: 400, json: { reason: 'BadRequest', message } });
      }
      expect(await call('DELETE', `${CM}/x?gracePeriodSeconds=soon`)).toMatchObject({ status: 400, json: { message: 'strconv.ParseInt: parsing "soon": invalid syntax' } });
      expect((await call('GET', `${CM}/x`)).status).toBe(200);
    });

    it('orphanDependents=False is not orphaning, and a delete it leaves pending answers 202', async () => {
      const held = { ...configMap('orphan'), metadata: { name: 'orphan', namespace: 'default', finalizers: ['example.com/hold'] } };
      await call('POST', CM, held);
      const deleted = await call('DELETE', `${CM}/orphan?orphanDependents=False`);
      expect(deleted.status).toBe(202);
      expect(deleted.json.metadata.finalizers).toEqual(['example.com/hold']);
    });
  });

  describe('protected namespaces', () => {
    it.each(['default', 'kube-system', 'kube-public'])('%s may not be deleted, even in a dry run', async (name) => {
      for (const query of ['', '?dryRun=All']) {
        const r = await call('DELETE', `/api/v1/namespaces/${name}${query}`);
        expect(r).toMatchObject({ status: 403, json: { message: `namespaces "${name}" is forbidden: this namespace may not be deleted`, details: { name, kind: 'namespaces' } } });
      }
      expect((await call('GET', `/api/v1/namespaces/${name}`)).json.status).toEqual({ phase: 'Active' });
    });

    it('`kubectl delete namespace --all` deletes the others and reports the three', async () => {
      expect((await kubectl(['create', 'namespace', 'scratch'])).code).toBe(0);
      const r = await kubectl(['delete', 'namespace', '--all', '--wait=false']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^namespace "scratch" deleted$/m);
      expect(r.stdout).toMatch(/^namespace "kube-node-lease" deleted$/m);
      for (const name of ['default', 'kube-system', 'kube-public']) {
        expect(r.stderr).toContain(`Error from server (Forbidden): namespaces "${name}" is forbidden: this namespace may not be deleted`);
        expect((await call('GET', `/api/v1/namespaces/${name}`)).json.metadata.deletionTimestamp).toBeUndefined();
      }
    });
  });

  describe('unconditional updates', () => {
    it.each([['"0"', '0'], ['empty', ''], ['absent', undefined]])('a PUT whose resourceVersion is %s overwrites the stored object', async (_label, rv) => {
      const name = `uncond-${rv ?? 'absent'}`.replace(/-$/, '-empty');
      const created = await call('POST', CM, configMap(name, { v: '1' }));
      await call('PUT', `${CM}/${name}`, { ...created.json, data: { v: '2' } });
      const body = configMap(name, { v: '3' }) as { metadata: Record<string, unknown> };
      if (rv !== undefined) body.metadata.resourceVersion = rv;
      const put = await call('PUT', `${CM}/${name}`, body);
      expect(put.status).toBe(200);
      expect(put.json.data).toEqual({ v: '3' });
      expect(Number(put.json.metadata.resourceVersion)).toBeGreaterThan(Number(created.json.metadata.resourceVersion));
    });

    it('kubectl replace of a file with resourceVersion "0" replaces', async () => {
      await call('POST', CM, configMap('replaced', { v: '1' }));
      const file = join(dir, 'replaced.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: replaced\n  resourceVersion: "0"\ndata:\n  v: "2"\n');
      const r = await kubectl(['replace', '-f', file]);
      expect(r).toMatchObject({ code: 0, stdout: 'configmap/replaced replaced\n' });
      expect((await call('GET', `${CM}/replaced`)).json.data).toEqual({ v: '2' });
    });

    it('a scale with resourceVersion "0" is unconditional too', async () => {
      await call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('scaled'));
      const r = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/scaled/scale', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scaled', namespace: 'default', resourceVersion: '0' }, spec: { replicas: 3 } });
      expect(r).toMatchObject({ status: 200, json: { spec: { replicas: 3 } } });
    });
  });

  describe('new objects carry the status Kubernetes serializes', () => {
    it.each([
      ['Service', '/api/v1/namespaces/default/services', service('with-status'), { loadBalancer: {} }],
      ['Deployment', '/apis/apps/v1/namespaces/default/deployments', deployment('with-status'), {}],
      ['ReplicaSet', '/apis/apps/v1/namespaces/default/replicasets', { ...deployment('with-status'), kind: 'ReplicaSet' }, { replicas: 0 }],
      [
        'Node',
        '/api/v1/nodes',
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'with-status' } },
        {
          daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
          nodeInfo: { machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '', kubeletVersion: '', kubeProxyVersion: '', operatingSystem: '', architecture: '' },
        },
      ],
      ['Namespace', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'with-status' } }, { phase: 'Active' }],
    ])('a created %s', async (_kind, path, body, status) => {
      const created = await call('POST', path, body);
      expect(created.status).toBe(201);
      expect(created.json.status).toEqual(status);
      expect((await call('GET', `${path}/with-status`)).json.status).toEqual(status);
    });
  });

  describe('/version', () => {
    it('names the checkout it runs from', async () => {
      const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
      const r = await call('GET', '/version');
      expect(r.json).toEqual({
        major: '1',
        minor: '32',
        gitVersion: `v1.32.0-skiff.0.1.0+${commit.slice(0, 12)}${dirty ? '-dirty' : ''}`,
        gitCommit: commit,
        gitTreeState: dirty ? 'dirty' : 'clean',
        buildDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        goVersion: `node${process.versions.node}`,
        compiler: 'v8',
        platform: expect.stringMatching(/^linux\/(amd64|arm64)$/),
      });
      const kubectlVersion = await kubectl(['version', '-o', 'json']);
      expect(kubectlVersion.code).toBe(0);
      expect(kubectlVersion.stderr).not.toMatch(/WARNING/);
      expect(JSON.parse(kubectlVersion.stdout).serverVersion).toMatchObject({ gitCommit: commit, gitVersion: r.json.gitVersion });
    });
  });

  describe('the kubernetes Service without an advertise address', () => {
    it('exists from the first start, on the first address of the range, pointing at the listening address', async () => {
      const get = await kubectl(['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].port}']);
      expect(get).toMatchObject({ code: 0, stdout: '127.224.0.1 443' });
      const ep = await call('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
      expect(ep.json.subsets).toEqual([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: server.port, protocol: 'TCP' }] }]);
    });

    it('takes a chosen free cluster IP in the range; refuses one outside it, or in use, with Kubernetes\' messages', async () => {
      const file = join(dir, 'chosen.yaml');
      const manifest = (name: string, ip: string) =>
        `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  clusterIP: ${ip}\n  selector:\n    app: x\n  ports:\n  - port: 80\n`;
      writeFileSync(file, manifest('chosen', '127.224.3.7'));
      expect(await kubectl(['create', '-f', file])).toMatchObject({ code: 0, stdout: 'service/chosen created\n' });
      expect((await kubectl(['get', 'svc', 'chosen', '-o', 'jsonpath={.spec.clusterIP}'])).stdout).toBe('127.224.3.7');

      writeFileSync(file, manifest('outside', '10.0.0.5'));
      expect((await kubectl(['create', '-f', file])).stderr).toBe(
        'The Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 127.224.0.0/12\n',
      );
      writeFileSync(file, manifest('in-use', '127.224.3.7'));
      expect((await kubectl(['create', '-f', file])).stderr).toBe(
        'The Service "in-use" is invalid: spec.clusterIPs: Invalid value: []string{"127.224.3.7"}: failed to allocate IP 127.224.3.7: provided IP is already allocated\n',
      );
      writeFileSync(file, manifest('kubernetes-ip', '127.224.0.1'));
      expect((await kubectl(['create', '-f', file])).stderr).toMatch(/failed to allocate IP 127\.224\.0\.1: provided IP is already allocated/);
    });
  });
});

describe('the kubernetes Service in a configured range', () => {
  let backend: TestBackend;
  let server: RunningApiServer;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { serviceClusterIpRange: '10.0.0.0/24' });
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('takes the first address of --service-cluster-ip-range, and chosen addresses are checked against it', async () => {
    const call = api(server);
    expect((await call('GET', '/api/v1/namespaces/default/services/kubernetes')).json.spec.clusterIP).toBe('10.0.0.1');
    expect((await call('POST', '/api/v1/namespaces/default/services', service('in-range', { clusterIP: '10.0.0.200' }))).json.spec.clusterIP).toBe('10.0.0.200');
    const broadcast = await call('POST', '/api/v1/namespaces/default/services', service('broadcast', { clusterIP: '10.0.0.255' }));
    expect(broadcast.json.message).toBe(
      'Service "broadcast" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.255"}: failed to allocate IP 10.0.0.255: the provided IP (10.0.0.255) is not in the valid range. The range of valid IPs is 10.0.0.0/24',
    );
  });
});
