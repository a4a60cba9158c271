import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { parseStreamName, pendingEvents, pendingStreams, streamOf, subscribes } from './deliveryStream.js';

function hook(spec: Record<string, unknown> = {}, namespace = 'default', status?: unknown): KubeObject {
  return { apiVersion: 'skiff.dev/v1alpha1', kind: 'Webhook', metadata: { name: 'h', namespace, creationTimestamp: '2025-01-01T00:00:10Z' }, spec: { url: 'http://x', ...spec }, ...(status ? { status } : {}) };
}

function event(type: string, opts: { app?: string; rv?: string; at?: string; namespace?: string; forged?: boolean } = {}): KubeObject {
  const annotations: Record<string, string> = { 'skiff.dev/event': type, ...(opts.forged ? {} : { 'skiff.dev/notification-verified': 'true' }) };
  if (opts.app) annotations['skiff.dev/application'] = opts.app;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: opts.namespace ?? 'default', uid: `u${opts.rv ?? '1'}`, resourceVersion: opts.rv ?? '1', creationTimestamp: opts.at ?? '2025-01-01T00:00:10Z', annotations },
  };
}

describe('subscribes', () => {
  it.each([
    ['every event by default', hook(), event('sync.succeeded', { app: 'default/shop' }), true],
    ['an event type it lists', hook({ events: ['sync.failed'] }), event('sync.failed', { app: 'default/shop' }), true],
    ['not a type it does not list', hook({ events: ['sync.failed'] }), event('sync.succeeded', { app: 'default/shop' }), false],
    ['an Application it lists', hook({ applications: ['shop'] }), event('sync.succeeded', { app: 'default/shop' }), true],
    ['not an Application it does not list', hook({ applications: ['cart'] }), event('sync.succeeded', { app: 'default/shop' }), false],
    ['not an Application of another namespace', hook({}, 'other'), event('sync.succeeded', { app: 'default/shop' }), false],
    ['node.notready from any namespace', hook({}, 'other'), event('node.notready'), true],
    ['not node.notready when it names Applications', hook({ applications: ['shop'] }), event('node.notready'), false],
    ['not an event older than itself', hook(), event('sync.succeeded', { app: 'default/shop', at: '2025-01-01T00:00:09Z' }), false],
    ['an event of its very second', hook(), event('sync.succeeded', { app: 'default/shop', at: '2025-01-01T00:00:10Z' }), true],
    ['not an event without skiff.dev/event', hook(), { ...event('x'), metadata: { name: 'e', namespace: 'default' } }, false],
    ['not an unknown event type', hook(), event('sync.maybe', { app: 'default/shop' }), false],
    ['not an event the API server did not verify (written by a node or a user)', hook(), event('sync.succeeded', { app: 'default/shop', forged: true }), false],
  ])('%s', (_name, h, e, want) => {
    expect(subscribes(h, e)).toBe(want);
  });
});

describe('streams', () => {
  it('names a stream after the Application, or nodes', () => {
    expect(streamOf(event('sync.succeeded', { app: 'default/shop' }))).toBe('default/shop');
    expect(streamOf(event('node.notready'))).toBe('nodes');
    expect(parseStreamName('h|default/shop')).toEqual({ hook: 'h', stream: 'default/shop' });
    expect(parseStreamName('h')).toEqual({ hook: 'h' });
  });

  it('lists pending events after the cursor, oldest first by resourceVersion', () => {
    const events = [event('sync.succeeded', { app: 'default/shop', rv: '100' }), event('sync.failed', { app: 'default/shop', rv: '9' }), event('sync.failed', { app: 'default/shop', rv: '12' }), event('sync.failed', { app: 'default/cart', rv: '11' })];
    expect(pendingEvents(hook(), 'default/shop', events).map((e) => e.metadata.resourceVersion)).toEqual(['9', '12', '100']);
    const h = hook({}, 'default', { streams: { 'default/shop': { resourceVersion: '12' } } });
    expect(pendingEvents(h, 'default/shop', events).map((e) => e.metadata.resourceVersion)).toEqual(['100']);
    expect(pendingStreams(h, events)).toEqual(['default/cart', 'default/shop']);
    const done = hook({}, 'default', { streams: { 'default/shop': { resourceVersion: '100' }, 'default/cart': { resourceVersion: '11' } } });
    expect(pendingStreams(done, events)).toEqual([]);
  });
});
