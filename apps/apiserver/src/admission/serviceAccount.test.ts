import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { admitServiceAccount } from './serviceAccount.js';

const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team' }, spec: { containers: [{ name: 'a', image: 'busybox' }], ...spec } } as KubeObject;
}
const specOf = (p: KubeObject) => p.spec as NonNullable<Pod['spec']>;

describe('admitServiceAccount', () => {
  it('names the default account and mounts kube-api-access-<suffix> in every container, init containers too', () => {
    const admitted = specOf(admitServiceAccount(pod({ initContainers: [{ name: 'init', image: 'busybox' }] }), {}, 'x7z2k'));
    expect(admitted.serviceAccountName).toBe('default');
    expect(admitted.volumes).toEqual([
      {
        name: 'kube-api-access-x7z2k',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ]);
    for (const c of [...admitted.initContainers!, ...admitted.containers]) expect(c.volumeMounts).toEqual([{ name: 'kube-api-access-x7z2k', readOnly: true, mountPath: MOUNT }]);
  });

  it.each<[string, Partial<NonNullable<Pod['spec']>>, ServiceAccount, boolean]>([
    ['the pod opts out', { automountServiceAccountToken: false }, {}, false],
    ['the account opts out', {}, { automountServiceAccountToken: false }, false],
    ['the pod opts in over its account', { automountServiceAccountToken: true }, { automountServiceAccountToken: false }, true],
    ['neither says', {}, {}, true],
  ])('mounts the token when %s: %s', (_, spec, sa, mounted) => {
    const admitted = specOf(admitServiceAccount(pod(spec), sa, 'abcde'));
    expect(!!admitted.volumes?.length).toBe(mounted);
    expect(admitted.serviceAccountName).toBe('default');
  });

  it('keeps a chosen account and leaves a container that mounts something there itself alone', () => {
    const own = { name: 'mine', mountPath: MOUNT };
    const admitted = specOf(
      admitServiceAccount(pod({ serviceAccountName: 'builder', volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'a', image: 'busybox', volumeMounts: [own] }, { name: 'b', image: 'busybox' }] }), {}, 'abcde'),
    );
    expect(admitted.serviceAccountName).toBe('builder');
    expect(admitted.containers[0].volumeMounts).toEqual([own]);
    expect(admitted.containers[1].volumeMounts).toEqual([{ name: 'kube-api-access-abcde', readOnly: true, mountPath: MOUNT }]);
    expect(admitted.volumes!.map((v) => v.name)).toEqual(['mine', 'kube-api-access-abcde']);
  });

  it('adds nothing when every container mounts something there', () => {
    const p = pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'a', image: 'busybox', volumeMounts: [{ name: 'mine', mountPath: MOUNT }] }] });
    expect(specOf(admitServiceAccount(p, {}, 'abcde')).volumes).toEqual([{ name: 'mine', emptyDir: {} }]);
  });
});
