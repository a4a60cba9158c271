import { describe, expect, it } from 'vitest';
import { blobUploadUrl } from './blobUploadUrl.js';

const digest = 'sha256:' + 'a'.repeat(64);

describe('blobUploadUrl', () => {
  it.each([
    ['an absolute location with state', 'http://127.0.0.1:5000/v2/app/blobs/uploads/u1?_state=abc%3D', `http://127.0.0.1:5000/v2/app/blobs/uploads/u1?_state=abc%3D&digest=sha256%3A${'a'.repeat(64)}`],
    ['a relative location', '/v2/app/blobs/uploads/u1?_state=x', `http://127.0.0.1:5000/v2/app/blobs/uploads/u1?_state=x&digest=sha256%3A${'a'.repeat(64)}`],
    ['a location without a query', '/v2/app/blobs/uploads/u1', `http://127.0.0.1:5000/v2/app/blobs/uploads/u1?digest=sha256%3A${'a'.repeat(64)}`],
  ])('completes %s', (_, location, expected) => {
    expect(blobUploadUrl(location, 'http://127.0.0.1:5000', digest)).toBe(expected);
  });
});
