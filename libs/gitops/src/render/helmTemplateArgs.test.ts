import { describe, expect, it } from 'vitest';
import { helmEnv, helmTemplateArgs, missingDependencies } from './helmTemplateArgs.js';

describe('helmTemplateArgs', () => {
  const base = { appName: 'guestbook', namespace: 'prod', chartDir: '/t/tree/chart', valueFiles: [] as string[] };

  it('defaults: the Application name as release, the destination namespace, CRDs included', () => {
    expect(helmTemplateArgs({ ...base, helm: {} })).toEqual(['template', 'guestbook', '/t/tree/chart', '--namespace', 'prod', '--include-crds']);
  });

  it('valueFiles, then values, then valuesObject, then parameters (later wins)', () => {
    const args = helmTemplateArgs({
      ...base,
      helm: { releaseName: 'gb', skipCrds: true, parameters: [{ name: 'replicaCount', value: '3' }, { name: 'image.tag', value: '1.0', forceString: true }] },
      valueFiles: ['/t/tree/chart/values-production.yaml'],
      valuesFile: '/t/values.yaml',
      valuesObjectFile: '/t/values-object.yaml',
    });
    expect(args).toEqual([
      'template', 'gb', '/t/tree/chart', '--namespace', 'prod',
      '--values', '/t/tree/chart/values-production.yaml', '--values', '/t/values.yaml', '--values', '/t/values-object.yaml',
      '--set', 'replicaCount=3', '--set-string', 'image.tag=1.0',
    ]);
  });

  it.each([
    ['a,b', 'hosts=a\\,b'],
    ['a\\,b', 'hosts=a\\,b'],
    ['plain', 'hosts=plain'],
  ])('a comma in %s is escaped once: %s', (value, want) => {
    expect(helmTemplateArgs({ ...base, helm: { parameters: [{ name: 'hosts', value }] } }).at(-1)).toBe(want);
  });

  it('keeps helm in the temp dir', () => {
    const env = helmEnv('/t', '/usr/bin');
    expect(env).toMatchObject({ HOME: '/t', HELM_CACHE_HOME: '/t/.helm/cache', HELM_CONFIG_HOME: '/t/.helm/config', HELM_DATA_HOME: '/t/.helm/data', PATH: '/usr/bin' });
  });
});

describe('missingDependencies', () => {
  const chart = { name: 'app', dependencies: [{ name: 'redis', version: '1.2.0' }, { name: 'common', version: '0.1.0' }] };
  it.each([
    { entries: ['redis', 'common'], want: [] },
    { entries: ['redis-1.2.0.tgz', 'common-0.1.0.tgz'], want: [] },
    { entries: ['redis'], want: ['common 0.1.0'] },
    { entries: ['redis-9.9.9.tgz'], want: ['redis 1.2.0', 'common 0.1.0'] },
  ])('charts/ holding $entries misses $want', ({ entries, want }) => {
    expect(missingDependencies(chart, entries)).toEqual(want);
  });
});
