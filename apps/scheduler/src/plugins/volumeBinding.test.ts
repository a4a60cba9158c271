import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../framework/types.js';
import { makeNode, makePod } from '../testing/builders.js';
import { planVolumeBinding, podVolumes, REASON_BIND_CONFLICT, REASON_NODE_CONFLICT, REASON_PV_NOT_EXIST, type VolumeLookup } from './volumeBinding.js';

const onNode = (node: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });

function claim(name: string, opts: { class?: string; volumeName?: string; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(opts.volumeName ? { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } } : {}), ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: opts.class ?? 'local-path', ...(opts.volumeName ? { volumeName: opts.volumeName } : {}) },
  };
}

function volume(name: string, opts: { node?: string; class?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, storageClassName: opts.class ?? 'local-path', local: { path: `/d/${name}` }, ...(opts.node ? { nodeAffinity: onNode(opts.node) } : {}) },
    status: { phase: 'Available' },
  };
}

const classes: Record<string, KubeObject> = {
  'local-path': { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path' }, provisioner: 'skiff.dev/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  'local-static': { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-static' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
  fast: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'example.com/fast', volumeBindingMode: 'Immediate' },
};

function lookup(claims: KubeObject[], volumes: KubeObject[]): VolumeLookup {
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volumes: () => volumes,
    storageClass: (name) => classes[name],
  };
}

const podWith = (...claimNames: string[]) => makePod().volumes(claimNames.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } }))).build();
const nodeA = makeNode('node-a').info();
const nodeB = makeNode('node-b').info();

describe('VolumeBinding PreFilter', () => {
  it.each<[string, KubeObject[], string]>([
    ['a claim that does not exist', [], 'persistentvolumeclaim "data" not found'],
    ['a claim being deleted', [claim('data', { deleting: true })], 'persistentvolumeclaim "data" is being deleted'],
    ['an unbound claim of an Immediate class', [claim('data', { class: 'fast' })], 'pod has unbound immediate PersistentVolumeClaims'],
    ['an unbound claim without a class', [claim('data', { class: '' })], 'pod has unbound immediate PersistentVolumeClaims'],
  ])('%s fails every node alike', (_name, claims, message) => {
    expect(podVolumes(podWith('data'), lookup(claims, []))).toEqual({ ok: false, message });
  });

  it('passes a pod without claims', () => {
    expect(podVolumes(makePod().build(), lookup([], []))).toMatchObject({ ok: true, volumes: { bound: [], delayed: [] } });
  });
});

describe('VolumeBinding Filter', () => {
  function decide(claims: KubeObject[], volumes: KubeObject[], node: NodeInfo) {
    const r = podVolumes(podWith(...claims.map((c) => c.metadata.name!)), lookup(claims, volumes));
    if (!r.ok) throw new Error(r.message);
    const d = planVolumeBinding(r.volumes, node);
    return d.fits ? { static: d.plan.staticBindings.map((b) => `${b.claim.metadata?.name}->${b.volume.metadata?.name}`), provision: d.plan.provision.map((c) => c.metadata?.name) } : d.reason;
  }

  it.each<[string, KubeObject[], KubeObject[], NodeInfo, unknown]>([
    ['a bound claim whose volume lives on the node', [claim('data', { volumeName: 'pv-a' })], [volume('pv-a', { node: 'node-a' })], nodeA, { static: [], provision: [] }],
    ['a bound claim whose volume lives elsewhere', [claim('data', { volumeName: 'pv-a' })], [volume('pv-a', { node: 'node-a' })], nodeB, REASON_NODE_CONFLICT],
    ['a bound claim whose volume is gone', [claim('data', { volumeName: 'pv-a' })], [], nodeA, REASON_PV_NOT_EXIST],
    ['a bound claim whose volume has no affinity', [claim('data', { volumeName: 'pv' })], [volume('pv')], nodeB, { static: [], provision: [] }],
    ['a delayed claim is provisioned on any node', [claim('data')], [], nodeB, { static: [], provision: ['data'] }],
    ['a delayed claim takes a free volume on the node', [claim('data')], [volume('pv-a', { node: 'node-a' })], nodeA, { static: ['data->pv-a'], provision: [] }],
    ['and is provisioned where that volume is not usable', [claim('data')], [volume('pv-a', { node: 'node-a' })], nodeB, { static: [], provision: ['data'] }],
    ['a no-provisioner class needs a free volume on the node', [claim('data', { class: 'local-static' })], [volume('pv-a', { node: 'node-a', class: 'local-static' })], nodeB, REASON_BIND_CONFLICT],
    ['two claims never take one volume', [claim('one', { class: 'local-static' }), claim('two', { class: 'local-static' })], [volume('pv-a', { node: 'node-a', class: 'local-static' })], nodeA, REASON_BIND_CONFLICT],
  ])('%s', (_name, claims, volumes, node, expected) => {
    expect(decide(claims, volumes, node)).toEqual(expected);
  });
});
