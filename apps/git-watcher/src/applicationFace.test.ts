import { describe, expect, it } from 'vitest';
import { argoSpecAsSkiff } from './applicationFace.js';

const LOCAL = 'https://kubernetes.default.svc';
const source = { repoURL: '/srv/git/shop', path: 'deploy', targetRevision: 'main' };

describe('argoSpecAsSkiff', () => {
  it('reads Argo CD’s spec as the one the controller syncs', () => {
    expect(argoSpecAsSkiff({ source, destination: { server: LOCAL, namespace: 'shop' }, syncPolicy: { automated: { prune: true } } })).toEqual({
      ok: true,
      spec: { source, destination: { namespace: 'shop' }, syncPolicy: { automated: { prune: true } } },
      project: 'default',
      server: LOCAL,
    });
  });

  it('defaults: path ".", HEAD, namespace default; in-cluster by name; a sources list of one', () => {
    expect(argoSpecAsSkiff({ project: 'team', sources: [{ repoURL: '/r' }], destination: { name: 'in-cluster' } })).toEqual({
      ok: true,
      spec: { source: { repoURL: '/r', path: '.', targetRevision: 'HEAD' }, destination: { namespace: 'default' } },
      project: 'team',
      server: LOCAL,
    });
  });

  it('several directories of one repository at one revision: synced together', () => {
    const read = argoSpecAsSkiff({ sources: [source, { repoURL: source.repoURL, targetRevision: 'main', path: 'extra' }], destination: { server: LOCAL, namespace: 'shop' } });
    expect(read).toMatchObject({ ok: true, spec: { source, additionalSources: [{ repoURL: source.repoURL, targetRevision: 'main', path: 'extra' }] } });
  });

  it.each([
    { case: 'another cluster by URL', spec: { source, destination: { server: 'https://10.0.0.1:6443' } }, message: `spec.destination.server: Skiff deploys only to the cluster it runs in (${LOCAL}), not https://10.0.0.1:6443` },
    { case: 'another cluster by name', spec: { source, destination: { name: 'prod' } }, message: 'spec.destination.name: Skiff deploys only to the cluster it runs in (in-cluster), not prod' },
    { case: 'sources from two repositories', spec: { sources: [source, { ...source, repoURL: '/srv/git/other' }], destination: { server: LOCAL } }, message: 'spec.sources: Skiff syncs several sources only from one repository at one targetRevision' },
    { case: 'sources at two revisions', spec: { sources: [source, { ...source, targetRevision: 'dev' }], destination: { server: LOCAL } }, message: 'spec.sources: Skiff syncs several sources only from one repository at one targetRevision' },
    { case: 'a ref source', spec: { sources: [source, { repoURL: '/v', ref: 'values' }], destination: { server: LOCAL } }, message: 'spec.sources: ref sources (values files from another source) are not supported by Skiff yet' },
    { case: 'a Helm repository chart', spec: { source: { repoURL: 'https://charts.example.com', chart: 'web' }, destination: { server: LOCAL } }, message: 'spec.source.chart: Helm repository charts are not supported by Skiff; put the chart in git and name its directory in spec.source.path' },
  ])('$case: a condition', ({ spec, message }) => {
    expect(argoSpecAsSkiff(spec)).toEqual({ ok: false, message });
  });
});
