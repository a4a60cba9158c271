import { describe, expect, it } from 'vitest';
import { checkImageReference, InvalidImageReferenceError } from './invalidImageReferenceError.js';

describe('checkImageReference', () => {
  it.each([
    ['hello', '1'],
    ['team/hello-world', 'v1.2.3'],
    ['a__b/c.d', 'latest_2'],
  ])('accepts %s:%s', (repository, tag) => {
    expect(() => checkImageReference(repository, tag)).not.toThrow();
  });

  it.each([
    ['Hello', '1', 'repository'],
    ['hello/', '1', 'repository'],
    ['-hello', '1', 'repository'],
    ['hello', '-1', 'tag'],
    ['hello', 'a:b', 'tag'],
    ['hello', 'x'.repeat(129), 'tag'],
  ])('refuses %s:%s as a bad %s', (repository, tag, field) => {
    expect(() => checkImageReference(repository, tag)).toThrow(InvalidImageReferenceError);
    expect(() => checkImageReference(repository, tag)).toThrow(`invalid ${field}`);
  });
});
