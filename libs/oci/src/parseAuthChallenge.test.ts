import { describe, expect, it } from 'vitest';
import { parseAuthChallenge, type AuthChallenge } from './parseAuthChallenge.js';

describe('parseAuthChallenge', () => {
  it.each<[string, string | null, AuthChallenge | undefined]>([
    ['basic', 'Basic realm="skiff-registry"', { scheme: 'basic', params: { realm: 'skiff-registry' } }],
    [
      'bearer as distribution sends it',
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push"',
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:team/app:pull,push' },
      },
    ],
    ['spaces, unquoted values, upper-case names', 'BEARER  Realm = http://a/token , Service=reg', { scheme: 'bearer', params: { realm: 'http://a/token', service: 'reg' } }],
    ['escaped quotes', 'Basic realm="say \\"hi\\""', { scheme: 'basic', params: { realm: 'say "hi"' } }],
    ['a scheme alone', 'Negotiate', { scheme: 'negotiate', params: {} }],
    ['no header', null, undefined],
    ['an empty header', '', undefined],
  ])('parses %s', (_, header, expected) => {
    expect(parseAuthChallenge(header)).toEqual(expected);
  });
});
