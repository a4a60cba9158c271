import type { KubeObject } from '../types.js';
import { configMapKeyErrors } from '../names.js';
import { FieldPath, forbidden, invalid, invalidEach, tooLong, type FieldErrors } from './fieldErrors.js';
import { base64Error, base64DecodedLength } from './base64.js';
import { deepEqual } from '../deepEqual.js';
import { obj } from './values.js';

/** ConfigMaps and Secrets share etcd's object size budget. */
export const MAX_DATA_SIZE = 1024 * 1024;

export function validateConfigMap(cm: KubeObject, errs: FieldErrors): void {
  const dataPath = FieldPath.root('data');
  const binaryPath = FieldPath.root('binaryData');
  const data = obj(cm.data, dataPath, errs);
  const binary = obj(cm.binaryData, binaryPath, errs);
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    errs.push(...invalidEach(dataPath.key(key), key, configMapKeyErrors(key)));
    if (key in binary) errs.push(invalid(dataPath.key(key), key, 'duplicate of key present in binaryData'));
    if (typeof value !== 'string') errs.push(invalid(dataPath.key(key), value, 'must be a string'));
    else size += Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(binary)) {
    errs.push(...invalidEach(binaryPath.key(key), key, configMapKeyErrors(key)));
    const problem = typeof value === 'string' ? base64Error(value) : 'must be a base64-encoded string';
    if (problem) errs.push(invalid(binaryPath.key(key), '<binary contents redacted>', problem));
    else size += base64DecodedLength(value as string);
  }
  if (size > MAX_DATA_SIZE) errs.push(tooLong(undefined, MAX_DATA_SIZE));
}

/** `immutable: true` freezes the data for good: it can only be undone by deleting the object. */
export function validateImmutableData(next: KubeObject, prev: KubeObject, fields: readonly string[], errs: FieldErrors): void {
  if (prev.immutable !== true) return;
  if (next.immutable !== true) errs.push(forbidden(FieldPath.root('immutable'), 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual(next[f], prev[f])) errs.push(forbidden(FieldPath.root(f), 'field is immutable when `immutable` is set'));
  }
}
