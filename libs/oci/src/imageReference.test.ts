import { describe, expect, it } from 'vitest';
import { parseImageReference } from './imageReference.js';

describe('parseImageReference', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest', 'docker.io'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27', 'docker.io'],
    ['stefanprodan/podinfo:6.7.0', 'docker.io/stefanprodan/podinfo:6.7.0', 'docker.io'],
    ['ghcr.io/stefanprodan/podinfo:6.7.0', 'ghcr.io/stefanprodan/podinfo:6.7.0', 'ghcr.io'],
    ['127.0.0.1:5000/hello:1', '127.0.0.1:5000/hello:1', '127.0.0.1:5000'],
    ['localhost/app', 'localhost/app:latest', 'localhost'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`, 'docker.io'],
    [`reg:5000/a/b:v1@sha256:${'b'.repeat(64)}`, `reg:5000/a/b:v1@sha256:${'b'.repeat(64)}`, 'reg:5000'],
  ])('%s -> %s', (input, normalized, domain) => {
    const ref = parseImageReference(input);
    expect(ref).toMatchObject({ ok: true, normalized, domain });
  });

  it.each(['', 'Bad Name', 'team/UPPER', 'nginx:', 'a//b', 'nginx@sha256:zz', ' nginx', 'a:b:c'])('refuses %j', (input) => {
    const ref = parseImageReference(input);
    expect(ref.ok).toBe(false);
    if (!ref.ok) expect(ref.message).toContain('couldn\'t parse image name');
  });
});
