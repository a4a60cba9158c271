import { describe, expect, it } from 'vitest';
import { applyKustomizeOverrides, parseKustomizeImage, remoteReferences } from './kustomizeOverrides.js';

describe('parseKustomizeImage', () => {
  it.each([
    ['nginx:1.27', { name: 'nginx', newTag: '1.27' }],
    ['nginx=registry.local/nginx:2', { name: 'nginx', newName: 'registry.local/nginx', newTag: '2' }],
    ['nginx=nginx:2', { name: 'nginx', newTag: '2' }],
    ['nginx@sha256:abc', { name: 'nginx', digest: 'sha256:abc' }],
    ['localhost:5000/app', { name: 'localhost:5000/app' }],
    ['localhost:5000/app:v3', { name: 'localhost:5000/app', newTag: 'v3' }],
  ])('%s', (entry, want) => {
    expect(parseKustomizeImage(entry)).toEqual(want);
  });
});

describe('applyKustomizeOverrides', () => {
  const file = { resources: ['../../base'], images: [{ name: 'guestbook', newTag: '0.1' }, { name: 'redis', newTag: '7' }], commonLabels: { team: 'a' } };

  it('replaces an image of the same name, adds new ones, merges labels, sets prefix and namespace', () => {
    const out = applyKustomizeOverrides(file, { images: ['guestbook:0.2', 'proxy=registry.local/proxy:1'], namePrefix: 'prod-', nameSuffix: '-v2', namespace: 'shop', commonLabels: { env: 'prod' }, commonAnnotations: { owner: 'ops' } });
    expect(out).toEqual({
      resources: ['../../base'],
      images: [{ name: 'guestbook', newTag: '0.2' }, { name: 'redis', newTag: '7' }, { name: 'proxy', newName: 'registry.local/proxy', newTag: '1' }],
      commonLabels: { team: 'a', env: 'prod' },
      commonAnnotations: { owner: 'ops' },
      namePrefix: 'prod-',
      nameSuffix: '-v2',
      namespace: 'shop',
    });
    expect(file.images).toHaveLength(2);
  });

  it('changes nothing without overrides', () => {
    expect(applyKustomizeOverrides(file, {})).toEqual(file);
  });
});

describe('remoteReferences', () => {
  const none = () => false;
  it.each([
    ['https://github.com/org/repo//deploy?ref=v1', true],
    ['git@github.com:org/repo.git', true],
    ['github.com/org/repo/deploy?ref=main', true],
    ['github.com/org/repo/deploy', true],
    ['../base', false],
    ['deployment.yaml', false],
    ['components/metrics', false],
  ])('%s remote: %s', (ref, remote) => {
    expect(remoteReferences({ resources: [ref] }, none).map((r) => r.value)).toEqual(remote ? [ref] : []);
  });

  it('a local folder that looks like a host is local', () => {
    expect(remoteReferences({ bases: ['github.com/vendored'] }, (p) => p === 'github.com/vendored')).toEqual([]);
  });

  it('says the field and index', () => {
    expect(remoteReferences({ resources: ['a.yaml'], components: ['https://example.com/c'] }, none)).toEqual([{ field: 'components', index: 0, value: 'https://example.com/c' }]);
  });
});
