import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@skiff/apimachinery';
import { afterAll, describe, expect, it } from 'vitest';
import { makePod } from '../testing/builders.js';
import type { EnvContext, ReferencedObjects } from './containerEnv.js';
import { containerMounts, giveVolumesTo, materializeVolumes, planVolumes, type VolumePlan } from './podVolumes.js';
import type { Volume } from './podSpec.js';

const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.yaml': 'a: 1', other: 'x' } };
const sec: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, data: { key: Buffer.from('KEY').toString('base64') } };
const rootCa: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': 'CA' } };
const objects: ReferencedObjects = {
  configMaps: new Map([['cfg', cm], ['kube-root-ca.crt', rootCa]]),
  secrets: new Map([['tls', sec]]),
  serviceAccountTokens: new Map([
    ['|3607', { ok: true, token: 'eyJ.token', issuedAtMs: 0, expiresAtMs: 3607_000 }],
    ['vault|600', { ok: false, message: 'failed to fetch token: serviceaccounts "default" not found' }],
  ]),
};

function plan(v: Volume) {
  const pod = makePod('p').container('c').volume(v).build();
  const ctx: EnvContext = { pod, podIP: '127.16.0.2', hostIP: '127.0.0.1', nodeName: 'n', nodeAllocatable: { cpu: 1, memory: 1 } };
  return planVolumes(pod, ctx, objects);
}

const files = (r: ReturnType<typeof plan>) => (r.ok && r.volumes[0].kind === 'files' ? r.volumes[0].files.map((f) => [f.path, f.content.toString(), f.mode.toString(8)]) : r);

describe('planVolumes', () => {
  it.each([
    ['every key of a ConfigMap', { name: 'v', configMap: { name: 'cfg' } }, [['app.yaml', 'a: 1', '644'], ['other', 'x', '644']]],
    ['selected items at their paths and modes', { name: 'v', configMap: { name: 'cfg', items: [{ key: 'app.yaml', path: 'conf/app.yaml', mode: 0o600 }] } }, [['conf/app.yaml', 'a: 1', '600']]],
    ['a Secret, decoded, with its default mode', { name: 'v', secret: { secretName: 'tls', defaultMode: 0o440 } }, [['key', 'KEY', '440']]],
    ['a Secret without a mode (stored before the API defaulted it): 0400', { name: 'v', secret: { secretName: 'tls' } }, [['key', 'KEY', '400']]],
    ['the downward API', { name: 'v', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }, [['name', 'p', '644']]],
    ['a projection of several sources', { name: 'v', projected: { sources: [{ configMap: { name: 'cfg', items: [{ key: 'other', path: 'o' }] } }, { secret: { name: 'tls' } }] } }, [['o', 'x', '644'], ['key', 'KEY', '644']]],
    ['an optional missing ConfigMap, empty', { name: 'v', configMap: { name: 'none', optional: true } }, []],
    [
      'the ServiceAccount token volume: the issued token, the CA and the namespace',
      { name: 'v', projected: { defaultMode: 0o644, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
      [['token', 'eyJ.token', '644'], ['ca.crt', 'CA', '644'], ['namespace', 'default', '644']],
    ],
  ] as [string, Volume, string[][]][])('%s', (_n, v, expected) => {
    expect(files(plan(v))).toEqual(expected);
  });

  it.each([
    ['a missing ConfigMap', { name: 'v', configMap: { name: 'none' } }, 'configmap "none" not found'],
    ['a missing item key', { name: 'v', configMap: { name: 'cfg', items: [{ key: 'nope', path: 'x' }] } }, 'non-existent config key: nope'],
    ['a path escaping the volume', { name: 'v', configMap: { name: 'cfg', items: [{ key: 'other', path: '../x' }] } }, 'invalid path'],
    ['a claim that does not exist', { name: 'v', persistentVolumeClaim: { claimName: 'data' } }, 'MountVolume.SetUp failed for volume "v" : error processing PVC default/data: failed to fetch PVC from API server'],
    ['an unsupported source', { name: 'v', nfs: { server: 'x', path: '/' } }, 'volume source nfs is not supported'],
    ['a token the API server did not issue', { name: 'v', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 600 } }] } }, 'failed to fetch token: serviceaccounts "default" not found'],
  ] as [string, Volume, string][])('refuses %s', (_n, v, message) => {
    const r = plan(v);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });
});

describe('materializeVolumes and containerMounts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-vol-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes files with their modes and maps mount paths; ConfigMaps are read-only', () => {
    const plans: VolumePlan[] = [
      { name: 'cfg', kind: 'files', files: [{ path: 'a/b.txt', content: Buffer.from('hi'), mode: 0o600 }] },
      { name: 'scratch', kind: 'emptyDir' },
    ];
    const dirs = materializeVolumes(dir, plans);
    const file = join(dirs.get('cfg')!, 'a/b.txt');
    expect(readFileSync(file, 'utf8')).toBe('hi');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const mounts = containerMounts(
      { name: 'c', volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'scratch', mountPath: '/data/' }, { name: 'scratch', mountPath: '/sub', subPath: 'x' }] },
      dirs,
      plans,
    );
    expect(mounts).toEqual([
      { hostPath: dirs.get('cfg'), containerPath: '/etc/cfg', readOnly: true },
      { hostPath: dirs.get('scratch'), containerPath: '/data', readOnly: false },
      { hostPath: join(dirs.get('scratch')!, 'x'), containerPath: '/sub', readOnly: false },
    ]);
  });

  it.runIf(process.getuid?.() === 0)('gives the files volumes a non-root container mounts to its user, the first such user only', () => {
    const plans: VolumePlan[] = [
      { name: 'secret', kind: 'files', files: [{ path: 'nested/password', content: Buffer.from('pw'), mode: 0o400 }] },
      { name: 'scratch', kind: 'emptyDir' },
    ];
    const dirs = materializeVolumes(join(dir, 'owners'), plans, { fsGroup: 2000 });
    const file = join(dirs.get('secret')!, 'nested/password');
    const mounting = (name: string) => ({ name, volumeMounts: [{ name: 'secret', mountPath: '/s' }, { name: 'scratch', mountPath: '/x' }] });
    expect(giveVolumesTo(0, mounting('root'), dirs, plans)).toEqual([]);
    expect(statSync(file).uid).toBe(0);
    expect(giveVolumesTo(1000, mounting('app'), dirs, plans)).toEqual([]);
    // The files and directories are the user's, their group (fsGroup) and modes kept; an emptyDir is left as it is.
    for (const path of [dirs.get('secret')!, join(dirs.get('secret')!, 'nested'), file]) expect([path, statSync(path).uid, statSync(path).gid]).toEqual([path, 1000, 2000]);
    expect(statSync(file).mode & 0o777).toBe(0o440);
    expect(statSync(dirs.get('scratch')!).uid).toBe(0);
    expect(giveVolumesTo(1000, mounting('sidecar-same-user'), dirs, plans)).toEqual([]);
    expect(giveVolumesTo(3000, mounting('other-user'), dirs, plans)).toEqual(['secret']);
    expect(statSync(file).uid).toBe(1000);
  });
});
