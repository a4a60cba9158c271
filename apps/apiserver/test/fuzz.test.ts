import { monitorEventLoopDelay } from 'node:perf_hooks';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupVersion, RESOURCE_TYPES, type ResourceType } from '@skiff/apimachinery';
import { api, useTestServer } from './harness.js';

/**
 * Property-based bodies against a live API server (real Postgres): every served kind, every
 * content type and patch type. Whatever arrives, the answer is a Status below 500, the event loop
 * is never held (a stall would stop node heartbeats), and nothing is half-written: a refused
 * create stores nothing, a refused patch leaves the object as it was.
 */

const NS = 'fuzz';
const RUNS = Number(process.env.SKIFF_FUZZ_RUNS ?? 12);

const creatable = RESOURCE_TYPES.filter((t) => t.verbs.includes('create'));
const collection = (t: ResourceType) => `${t.group ? `/apis/${groupVersion(t)}` : `/api/${t.version}`}${t.namespaced ? `/namespaces/${NS}` : ''}/${t.resource}`;
const apiVersion = (t: ResourceType) => (t.group ? groupVersion(t) : t.version);

/** Names: mostly valid, sometimes not. */
const name = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,14}[a-z0-9]$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });
const json = fc.jsonValue({ maxDepth: 4 });
/** Field names a kind might have, plus any. */
const field = fc.oneof(fc.constantFrom('spec', 'status', 'data', 'stringData', 'rules', 'subjects', 'roleRef', 'items', 'type', 'selector', 'template', 'containers', 'ports', 'replicas'), fc.string({ maxLength: 12 }));
const metadata = fc.record(
  {
    name,
    namespace: fc.constantFrom(NS, 'default', ''),
    labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }), json),
    annotations: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }), json),
    finalizers: fc.oneof(fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }), json),
    ownerReferences: json,
    resourceVersion: fc.oneof(fc.constant('1'), fc.string({ maxLength: 6 })),
    generateName: fc.string({ maxLength: 8 }),
  },
  { requiredKeys: ['name'] },
);

/** An object of the kind with random metadata and random top-level fields. */
function objectOf(t: ResourceType) {
  return fc.record({ metadata, fields: fc.dictionary(field, json, { maxKeys: 4 }) }).map(({ metadata: m, fields }) => ({ apiVersion: apiVersion(t), kind: t.kind, ...fields, metadata: m }));
}

describe('fuzzed requests against a live API server', () => {
  const t = useTestServer();
  const call: ReturnType<typeof api> = (...args) => t.call(...args);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const fivexx: string[] = [];

  /** Sends the request, records a 5xx with what caused it, and returns the answer. */
  async function send(method: string, path: string, body: unknown, contentType: string) {
    const r = await call(method, path, body, contentType);
    if (r.status >= 500) fivexx.push(`${method} ${path} ${contentType} -> ${r.status} ${r.json?.message ?? r.text.slice(0, 200)}`);
    return r;
  }

  beforeAll(async () => {
    expect((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })).status).toBe(201);
    delay.enable();
  });
  afterAll(() => delay.disable());

  it.each(creatable.map((k) => [`${k.resource}${k.group ? `.${k.group}` : ''}`, k] as const))('creates of %s as JSON and YAML: a Status below 500, nothing stored when refused', async (_label, kind) => {
    await fc.assert(
      fc.asyncProperty(objectOf(kind), fc.boolean(), async (obj, asYaml) => {
        const body = asYaml ? dump(obj, { noRefs: true }) : obj;
        const r = await send('POST', collection(kind), body, asYaml ? 'application/yaml' : 'application/json');
        expect(r.status).toBeLessThan(500);
        expect(r.json?.kind === 'Status' || r.status < 300).toBe(true);
        if (r.status >= 400 && kind.verbs.includes('get') && typeof obj.metadata.name === 'string' && /^[a-z0-9-]+$/.test(obj.metadata.name) && r.status !== 409) {
          // Refused: no object of that name appeared (unless one was there before, a 409).
          const after = await call('GET', `${collection(kind)}/${obj.metadata.name}`);
          expect(after.status, `${kind.resource}/${obj.metadata.name} stored after ${r.status}: ${r.text.slice(0, 200)}`).not.toBe(200);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('bodies that are not objects, in every content type, are 4xx', async () => {
    const contentTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'text/plain', 'application/merge-patch+json'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...creatable),
        fc.constantFrom(...contentTypes),
        fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([Buffer.from('k8s\0'), Buffer.from(b)]).toString('latin1')), json.map((v) => JSON.stringify(v))),
        async (kind, contentType, body) => {
          const r = await send('POST', collection(kind), body, contentType);
          expect(r.status).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS * 8 },
    );
  });

  it('patches of every type on live objects: a Status below 500, and a refused patch changes nothing', async () => {
    const seeds: { path: string; body: object }[] = [
      { path: `/api/v1/namespaces/${NS}/configmaps`, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seed', labels: { a: 'b' } }, data: { k: 'v' } } },
      { path: `/apis/apps/v1/namespaces/${NS}/deployments`, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'seed' }, spec: { replicas: 1, selector: { matchLabels: { app: 's' } }, template: { metadata: { labels: { app: 's' } }, spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }] } } } } },
      { path: `/api/v1/namespaces/${NS}/services`, body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'seed' }, spec: { selector: { app: 's' }, ports: [{ port: 80 }] } } },
      { path: `/api/v1/namespaces/${NS}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'seed' }, stringData: { password: 'x' } } },
      { path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'seed-node' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } } },
    ];
    for (const s of seeds) expect((await call('POST', s.path, s.body)).status).toBe(201);
    const jsonPatchOp = fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'), path: fc.oneof(fc.constantFrom('/metadata/labels/x', '/spec/replicas', '/data/k', '/spec/ports/0', '/spec/template/spec/containers/-', '/metadata/name', '/status'), fc.string({ maxLength: 20 })), value: json, from: fc.constantFrom('/data/k', '/metadata/labels', '/x') }, { requiredKeys: ['op', 'path'] });
    const patch = fc.oneof(
      fc.record({ type: fc.constant('application/merge-patch+json'), body: fc.dictionary(field, json, { maxKeys: 3 }).map((f) => JSON.stringify(f)) }),
      fc.record({ type: fc.constant('application/strategic-merge-patch+json'), body: fc.dictionary(fc.oneof(field, fc.constantFrom('$patch', '$retainKeys', '$setElementOrder/containers', '$deleteFromPrimitiveList/finalizers')), json, { maxKeys: 3 }).map((f) => JSON.stringify(f)) }),
      fc.record({ type: fc.constant('application/json-patch+json'), body: fc.oneof(fc.array(jsonPatchOp, { maxLength: 4 }).map((ops) => JSON.stringify(ops)), json.map((v) => JSON.stringify(v))) }),
      fc.record({ type: fc.constant('application/apply-patch+yaml'), body: fc.dictionary(field, json, { maxKeys: 3 }).map((f) => dump(f, { noRefs: true })) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), patch, fc.constantFrom('', '/status'), async (seed, p, sub) => {
        const objectPath = `${seed.path}/${(seed.body as { metadata: { name: string } }).metadata.name}`;
        const before = (await call('GET', objectPath)).json;
        const r = await send('PATCH', `${objectPath}${sub}?fieldManager=fuzz`, p.body, p.type);
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) {
          const after = (await call('GET', objectPath)).json;
          expect(after.metadata.resourceVersion, `a refused ${p.type} changed ${objectPath}`).toBe(before.metadata.resourceVersion);
        }
      }),
      { numRuns: RUNS * 15 },
    );
  });

  it('answered every request below 500 and never held the event loop for 200 ms', () => {
    expect([...new Set(fivexx)]).toEqual([]);
    const maxMs = delay.max / 1e6;
    expect(maxMs, `event loop delay: max ${maxMs.toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms`).toBeLessThan(200);
  });
});
