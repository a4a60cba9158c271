import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { credentialsFor } from './pullSecrets.js';

function dockerConfigSecret(name: string, auths: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
  } as KubeObject;
}

describe('credentialsFor', () => {
  it('finds username and password by registry host, from either form', () => {
    const a = dockerConfigSecret('a', { 'https://127.0.0.1:5000': { username: 'u', password: 'p' } });
    const b = dockerConfigSecret('b', { 'reg.example:443': { auth: Buffer.from('ann:s3:cret').toString('base64') } });
    expect(credentialsFor('127.0.0.1:5000', [a, b])).toEqual({ username: 'u', password: 'p' });
    expect(credentialsFor('reg.example:443', [a, b])).toEqual({ username: 'ann', password: 's3:cret' });
  });

  it('treats the Docker Hub spellings as one registry', () => {
    const hub = dockerConfigSecret('hub', { 'https://index.docker.io/v1/': { username: 'h', password: 'x' } });
    expect(credentialsFor('docker.io', [hub])?.username).toBe('h');
  });

  it('ignores other registries, other secret types and broken json', () => {
    const other = dockerConfigSecret('o', { 'other:5000': { username: 'u', password: 'p' } });
    const opaque = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, type: 'Opaque', data: {} } as KubeObject;
    const broken = { ...dockerConfigSecret('b', {}), data: { '.dockerconfigjson': Buffer.from('{nope').toString('base64') } } as KubeObject;
    expect(credentialsFor('127.0.0.1:5000', [other, opaque, broken])).toBeUndefined();
  });
});
