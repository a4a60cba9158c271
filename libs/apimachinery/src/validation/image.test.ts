import { describe, expect, it } from 'vitest';
import { goRegExp } from '../image/goRegExp.js';
import { IMAGE_POLICY, IMAGE_REPOSITORY, IMAGE_UPDATE_AUTOMATION } from '../kinds/image.js';
import type { Kind } from '../kinds/kind.js';
import { applyDefaults } from '../kinds/registry.js';
import type { KubeObject } from '../types.js';
import { validationCauses } from '../validation.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Mutate = (o: any) => void;
const GV = 'image.toolkit.fluxcd.io/v1beta2';

const repository = (): KubeObject => ({ apiVersion: GV, kind: 'ImageRepository', metadata: { name: 'hello', namespace: 'apps' }, spec: { image: '127.0.0.1:5000/team/hello', interval: '1m', secretRef: { name: 'regcred' }, exclusionList: ['^.*\\.sig$'] } });
const policy = (): KubeObject => ({ apiVersion: GV, kind: 'ImagePolicy', metadata: { name: 'hello', namespace: 'apps' }, spec: { imageRepositoryRef: { name: 'hello' }, policy: { semver: { range: '~1.0' } }, filterTags: { pattern: '^v(?P<v>.*)$', extract: '$v' } } });
const automation = (): KubeObject => ({
  apiVersion: GV,
  kind: 'ImageUpdateAutomation',
  metadata: { name: 'shop', namespace: 'apps' },
  spec: { sourceRef: { kind: 'Application', name: 'shop', namespace: 'default' }, interval: '5m', git: { checkout: { ref: { branch: 'main' } }, commit: { author: { email: 'bot@example.com' } }, push: { branch: 'image-updates' } }, update: { path: './deploy' } },
});

function causes(kind: Kind, build: () => KubeObject, mutate: Mutate): string[] {
  const o = build() as any;
  mutate(o);
  return validationCauses(applyDefaults(o), kind).map((c) => `${c.field}: ${c.message}`);
}

describe('image automation validation', () => {
  it('accepts complete objects', () => {
    expect(causes(IMAGE_REPOSITORY, repository, () => {})).toEqual([]);
    expect(causes(IMAGE_POLICY, policy, () => {})).toEqual([]);
    expect(causes(IMAGE_UPDATE_AUTOMATION, automation, () => {})).toEqual([]);
  });

  it.each<[string, Kind, () => KubeObject, Mutate, string[]]>([
    ['a repository without image or interval', IMAGE_REPOSITORY, repository, (o) => (o.spec = {}), ['spec.image: Required value', 'spec.interval: Required value']],
    ['an image with a digest', IMAGE_REPOSITORY, repository, (o) => (o.spec.image = 'hello@sha256:' + 'a'.repeat(64)), [`spec.image: Invalid value: "hello@sha256:${'a'.repeat(64)}": must not contain a digest`]],
    ['an upper-case image', IMAGE_REPOSITORY, repository, (o) => (o.spec.image = 'ghcr.io/Team/app'), ['spec.image: Invalid value: "ghcr.io/Team/app": invalid reference format: repository name must be lowercase letters, digits and separators']],
    ['a zero interval', IMAGE_REPOSITORY, repository, (o) => (o.spec.interval = '0s'), ['spec.interval: Invalid value: "0s": must be greater than 0']],
    ['a broken exclusion pattern', IMAGE_REPOSITORY, repository, (o) => (o.spec.exclusionList = ['[']), ['spec.exclusionList[0]: Invalid value: "[": must be a valid regular expression: Invalid regular expression: /[/: Unterminated character class']],
    ['a secretRef without name', IMAGE_REPOSITORY, repository, (o) => (o.spec.secretRef = {}), ['spec.secretRef.name: Required value']],
    ['a policy without a choice', IMAGE_POLICY, policy, (o) => (o.spec.policy = {}), ['spec.policy: Required value: one of semver, alphabetical, numerical must be set']],
    ['an unknown order', IMAGE_POLICY, policy, (o) => (o.spec.policy = { numerical: { order: 'newest' } }), ['spec.policy.numerical.order: Unsupported value: "newest": supported values: "asc", "desc"']],
    ['extract without pattern', IMAGE_POLICY, policy, (o) => (o.spec.filterTags = { extract: '$1' }), ['spec.filterTags.pattern: Required value: extract needs a pattern to take groups from']],
    ['a source of another kind', IMAGE_UPDATE_AUTOMATION, automation, (o) => (o.spec.sourceRef = { kind: 'GitRepository', name: 'flux-system' }), ['spec.sourceRef.kind: Unsupported value: "GitRepository": supported values: "Application"']],
    ['no commit author email', IMAGE_UPDATE_AUTOMATION, automation, (o) => (o.spec.git.commit.author = { name: 'Bot' }), ['spec.git.commit.author.email: Required value']],
    ['a bad branch', IMAGE_UPDATE_AUTOMATION, automation, (o) => (o.spec.git.push.branch = 'a..b'), ['spec.git.push.branch: Invalid value: "a..b": must be a valid git branch name']],
    ['a path out of the repository', IMAGE_UPDATE_AUTOMATION, automation, (o) => (o.spec.update.path = '../other'), ['spec.update.path: Invalid value: "../other": must be a path inside the repository']],
    ['another strategy', IMAGE_UPDATE_AUTOMATION, automation, (o) => (o.spec.update.strategy = 'Rewrite'), ['spec.update.strategy: Unsupported value: "Rewrite": supported values: "Setters"']],
  ])('rejects %s', (_name, kind, build, mutate, expected) => {
    expect(causes(kind, build, mutate)).toEqual(expected);
  });

  it('defaults as Flux does', () => {
    const r = applyDefaults({ ...repository(), spec: { image: 'hello', interval: '1m' } }) as any;
    expect(r.spec.exclusionList).toEqual(['^.*\\.sig$']);
    const p = applyDefaults({ ...policy(), spec: { imageRepositoryRef: { name: 'hello' }, policy: { alphabetical: {} } } }) as any;
    expect(p.spec.policy.alphabetical.order).toBe('asc');
    const a = applyDefaults({ ...automation(), spec: { sourceRef: { name: 'shop' }, interval: '1m', git: { commit: { author: { email: 'b@e' } } } } }) as any;
    expect(a.spec.update).toEqual({ strategy: 'Setters' });
    expect(a.spec.sourceRef.kind).toBe('Application');
  });
});

describe('goRegExp', () => {
  it('reads named groups and the case-insensitive flag as RE2 writes them', () => {
    expect(goRegExp('^main-(?P<ts>\\d+)$').exec('main-42')?.groups?.ts).toBe('42');
    expect(goRegExp('(?i)^RC').test('rc-1')).toBe(true);
  });
});
