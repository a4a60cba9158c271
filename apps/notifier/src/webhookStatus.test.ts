import { describe, expect, it } from 'vitest';
import { nextAttempt, RECENT_DELIVERIES, statusAfterAttempt, type DeliveryRecord } from './webhookStatus.js';

const rec = (over: Partial<DeliveryRecord> = {}): DeliveryRecord => ({ event: 'sync.succeeded', deliveryId: 'u1', attempts: 1, time: '2025-01-01T00:00:00Z', ...over });

describe('statusAfterAttempt', () => {
  it('a failure keeps the cursor, counts the attempt and turns Ready False', () => {
    const s = statusAfterAttempt({ streams: { 'default/shop': { resourceVersion: '5' } } }, 'default/shop', '7', rec({ error: 'x answered 500', statusCode: 500 }));
    expect(s.streams!['default/shop']).toEqual({ resourceVersion: '5', failing: { deliveryId: 'u1', attempts: 1 } });
    expect(s.failures).toBe(1);
    expect(s.conditions).toEqual([expect.objectContaining({ status: 'False', reason: 'DeliveryFailed', lastTransitionTime: '2025-01-01T00:00:00Z' })]);
    expect(nextAttempt(s, 'default/shop', 'u1')).toBe(2);
    expect(nextAttempt(s, 'default/shop', 'u2')).toBe(1);
  });

  it('a success moves the cursor, never back, and resets failures', () => {
    const failing = statusAfterAttempt({}, 'nodes', '7', rec({ error: 'down' }));
    const s = statusAfterAttempt(failing, 'nodes', '7', rec({ attempts: 2, statusCode: 200, time: '2025-01-01T00:01:00Z' }));
    expect(s.streams!.nodes).toEqual({ resourceVersion: '7' });
    expect(s.failures).toBe(0);
    expect(s.recentDeliveries!.map((d) => d.attempts)).toEqual([2, 1]);
    expect(s.conditions![0]).toMatchObject({ status: 'True', lastTransitionTime: '2025-01-01T00:01:00Z' });
    expect(statusAfterAttempt({ streams: { nodes: { resourceVersion: '9' } } }, 'nodes', '7', rec()).streams!.nodes.resourceVersion).toBe('9');
  });

  it('keeps the last 20 deliveries, newest first', () => {
    let s = {};
    for (let i = 0; i < 25; i++) s = statusAfterAttempt(s, 'a/b', String(i + 1), rec({ deliveryId: `u${i}` }));
    const recent = (s as { recentDeliveries: DeliveryRecord[] }).recentDeliveries;
    expect(recent).toHaveLength(RECENT_DELIVERIES);
    expect(recent[0].deliveryId).toBe('u24');
  });
});
