import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from './harness.js';

/** Flux's image automation manifests, as a team moving from Flux has them in git. */
const MANIFESTS = `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata:
  name: hello
spec:
  image: 127.0.0.1:5000/hello
  interval: 1m
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: hello
spec:
  imageRepositoryRef:
    name: hello
  policy:
    alphabetical: {}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageUpdateAutomation
metadata:
  name: hello
spec:
  interval: 5m
  sourceRef:
    kind: Application
    name: hello
  git:
    commit:
      author:
        email: bot@example.com
  update:
    path: ./deploy
`;

describe('kubectl and the image automation kinds', () => {
  const k = useKubectlServer('skiff-images-kubectl-');

  it('applies Flux manifests with strict validation, defaults them, and prints Flux columns', async () => {
    const file = join(k.dir, 'images.yaml');
    writeFileSync(file, MANIFESTS);
    const applied = await k.run(['apply', '--validate=strict', '-f', file]);
    expect(applied.out).toContain('imagerepository.image.toolkit.fluxcd.io/hello created');
    expect(applied.out).toContain('imagepolicy.image.toolkit.fluxcd.io/hello created');
    expect(applied.out).toContain('imageupdateautomation.image.toolkit.fluxcd.io/hello created');
    expect(applied.code).toBe(0);

    const resources = await k.run(['api-resources', '--api-group=image.toolkit.fluxcd.io']);
    expect(resources.out).toMatch(/^imagepolicies\s+image.toolkit.fluxcd.io\/v1beta2\s+true\s+ImagePolicy/m);
    expect(resources.out).toMatch(/^imagerepositories\s+image.toolkit.fluxcd.io\/v1beta2\s+true\s+ImageRepository/m);
    expect(resources.out).toMatch(/^imageupdateautomations\s+image.toolkit.fluxcd.io\/v1beta2\s+true\s+ImageUpdateAutomation/m);

    expect((await k.run(['get', 'imagerepositories'])).out).toMatch(/^NAME\s+LAST SCAN\s+TAGS\s+READY\s+STATUS\s+AGE\s*\nhello\s+\d+s\s*$/m);
    expect((await k.run(['get', 'imagepolicy'])).out).toMatch(/^NAME\s+LATESTIMAGE\s+READY\s+STATUS\s+AGE\s*$/m);
    expect((await k.run(['get', 'imageupdateautomation'])).out).toMatch(/^NAME\s+LAST RUN\s+READY\s+STATUS\s+AGE\s*$/m);

    const defaulted = JSON.parse((await k.run(['get', 'imagepolicy', 'hello', '-o', 'json'])).stdout);
    expect(defaulted.spec.policy).toEqual({ alphabetical: { order: 'asc' } });
    const automation = JSON.parse((await k.run(['get', 'imageupdateautomation', 'hello', '-o', 'json'])).stdout);
    expect(automation.spec.update).toEqual({ path: './deploy', strategy: 'Setters' });
    const repository = JSON.parse((await k.run(['get', 'imagerepository', 'hello', '-o', 'json'])).stdout);
    expect(repository.spec.exclusionList).toEqual(['^.*\\.sig$']);

    const explain = await k.run(['explain', 'imagepolicy.spec.policy.semver']);
    expect(explain.out).toContain('range');

    const bad = await k.run(['patch', 'imagepolicy', 'hello', '--type=merge', '-p', '{"spec":{"policy":{"alphabetical":{"order":"newest"}}}}']);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('spec.policy.alphabetical.order: Unsupported value: "newest": supported values: "asc", "desc"');
  }, 90_000);
});
