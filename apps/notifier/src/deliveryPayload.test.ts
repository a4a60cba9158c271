import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deliveryPayload, signature } from './deliveryPayload.js';
import { deliveryHeaders } from './postDelivery.js';

describe('deliveryPayload', () => {
  it('is shaped like a Flux event, with only the metadata present', () => {
    const p = deliveryPayload({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'shop.1', namespace: 'default', uid: 'u', annotations: { 'skiff.dev/event': 'sync.failed', 'skiff.dev/notification-verified': 'true', 'skiff.dev/application': 'default/shop', 'skiff.dev/revision': 'abc' } },
      involvedObject: { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', name: 'shop', namespace: 'default', uid: 'app-uid', resourceVersion: '3' },
      type: 'Warning',
      reason: 'SyncFailed',
      message: 'boom',
      firstTimestamp: '2025-01-01T00:00:00Z',
      source: { component: 'git-watcher' },
    });
    expect(p).toEqual({
      involvedObject: { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', name: 'shop', namespace: 'default', uid: 'app-uid' },
      severity: 'error',
      timestamp: '2025-01-01T00:00:00Z',
      message: 'boom',
      reason: 'sync.failed',
      metadata: { revision: 'abc', application: 'default/shop' },
      reportingController: 'git-watcher',
      reportingInstance: 'git-watcher',
    });
  });
});

describe('signature', () => {
  it('is the hex HMAC-SHA256 of the exact body, keyed by the secret, and only with a secret', () => {
    const body = Buffer.from('{"a":1}');
    expect(signature(body, Buffer.from('k'))).toBe(`sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`);
    const req = { url: 'http://x', body, deliveryId: 'u', event: 'sync.failed', timeoutMs: 1000 };
    expect(deliveryHeaders(req)['x-signature']).toBeUndefined();
    expect(deliveryHeaders({ ...req, secret: Buffer.from('k') })).toMatchObject({ 'x-skiff-delivery': 'u', 'x-skiff-event': 'sync.failed', 'x-signature': signature(body, Buffer.from('k')) });
  });
});
