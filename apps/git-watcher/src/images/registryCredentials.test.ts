import { describe, expect, it } from 'vitest';
import { registryCredentials } from './registryCredentials.js';

const secret = (config: unknown) => ({ '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') });

describe('registryCredentials', () => {
  it.each([
    ['username and password', { auths: { '127.0.0.1:5000': { username: 'u', password: 'p' } } }, '127.0.0.1:5000', { username: 'u', password: 'p' }],
    ['a base64 auth', { auths: { 'ghcr.io': { auth: Buffer.from('bot:s3:cret').toString('base64') } } }, 'ghcr.io', { username: 'bot', password: 's3:cret' }],
    ['a URL key', { auths: { 'https://registry.local:8443/v2/': { username: 'a', password: 'b' } } }, 'registry.local:8443', { username: 'a', password: 'b' }],
    ["Docker Hub's index URL", { auths: { 'https://index.docker.io/v1/': { username: 'hub', password: 'x' } } }, 'docker.io', { username: 'hub', password: 'x' }],
  ])('%s', (_, config, registry, login) => {
    expect(registryCredentials(secret(config), registry)).toEqual({ ok: true, login });
  });

  it('has no login for a host the Secret does not list', () => {
    expect(registryCredentials(secret({ auths: { 'other:5000': { username: 'u', password: 'p' } } }), '127.0.0.1:5000')).toEqual({ ok: true });
  });

  it('refuses a Secret of another type, or a broken one', () => {
    expect(registryCredentials({ token: 'x' }, 'r')).toMatchObject({ ok: false, message: expect.stringContaining('.dockerconfigjson') });
    expect(registryCredentials({ '.dockerconfigjson': Buffer.from('{').toString('base64') }, 'r')).toEqual({ ok: false, message: '.dockerconfigjson is not valid JSON' });
  });
});
