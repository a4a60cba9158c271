import type { KubeObject } from '../types.js';
import { configMapKeyErrors } from '../names.js';
import { FieldPath, IMMUTABLE, invalid, invalidEach, required, tooLong, type FieldErrors } from './fieldErrors.js';
import { base64DecodedLength, base64Error } from './base64.js';
import { MAX_DATA_SIZE, validateImmutableData } from './configMap.js';
import { isObject, obj } from './values.js';

/** Kubernetes' ValidateSecret: keys, base64 values, size, and the keys each well-known type needs. */
export function validateSecret(secret: KubeObject, errs: FieldErrors): void {
  const dataPath = FieldPath.root('data');
  const data = obj(secret.data, dataPath, errs);
  const decoded: Record<string, string> = {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    errs.push(...invalidEach(dataPath.key(key), key, configMapKeyErrors(key)));
    const problem = typeof value === 'string' ? base64Error(value) : 'must be a base64-encoded string';
    if (problem) {
      errs.push(invalid(dataPath.key(key), '<secret contents redacted>', problem));
      continue;
    }
    size += base64DecodedLength(value as string);
    decoded[key] = Buffer.from(value as string, 'base64').toString('utf8');
  }
  if (size > MAX_DATA_SIZE) errs.push(tooLong(dataPath, MAX_DATA_SIZE));

  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const annotations = isObject(secret.metadata?.annotations) ? secret.metadata.annotations : {};
  switch (secret.type ?? 'Opaque') {
    case 'Opaque':
    case '':
      break;
    case 'kubernetes.io/service-account-token':
      if (!annotations['kubernetes.io/service-account.name']) {
        errs.push(required(FieldPath.root('metadata', 'annotations').key('kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
      requireJson('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      requireJson('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(required(dataPath.key('username')));
        errs.push(required(dataPath.key('password')));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!decoded['ssh-privatekey']) errs.push(required(dataPath.key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required(dataPath.key('tls.crt')));
      if (!has('tls.key')) errs.push(required(dataPath.key('tls.key')));
      break;
  }

  function requireJson(key: string): void {
    if (!has(key)) {
      errs.push(required(dataPath.key(key)));
      return;
    }
    if (!(key in decoded)) return;
    try {
      JSON.parse(decoded[key]);
    } catch (err) {
      errs.push(invalid(dataPath.key(key), '<secret contents redacted>', (err as Error).message));
    }
  }
}

export function validateSecretUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const nt = next.type ?? 'Opaque';
  const ot = prev.type ?? 'Opaque';
  if (nt !== ot) errs.push(invalid(FieldPath.root('type'), nt, IMMUTABLE));
  validateImmutableData(next, prev, ['data'], errs);
}
