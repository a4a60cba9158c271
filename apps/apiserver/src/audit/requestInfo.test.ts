import { describe, expect, it } from 'vitest';
import { requestInfo } from './requestInfo.js';

describe('requestInfo', () => {
  it.each([
    ['GET', '/api/v1/namespaces/shop/pods', { verb: 'list', objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' } }],
    ['GET', '/api/v1/namespaces/shop/pods?watch=true&resourceVersion=5', { verb: 'watch', objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' } }],
    ['GET', '/api/v1/watch/namespaces/shop/pods', { verb: 'watch', objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' } }],
    ['GET', '/api/v1/namespaces/shop/pods/web-1/log', { verb: 'get', objectRef: { resource: 'pods', namespace: 'shop', name: 'web-1', apiVersion: 'v1', subresource: 'log' } }],
    ['POST', '/apis/apps/v1/namespaces/shop/deployments', { verb: 'create', objectRef: { resource: 'deployments', namespace: 'shop', apiGroup: 'apps', apiVersion: 'v1' } }],
    ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/web/scale', { verb: 'patch', objectRef: { resource: 'deployments', namespace: 'shop', name: 'web', apiGroup: 'apps', apiVersion: 'v1', subresource: 'scale' } }],
    ['DELETE', '/apis/apps/v1/namespaces/shop/deployments', { verb: 'deletecollection', objectRef: { resource: 'deployments', namespace: 'shop', apiGroup: 'apps', apiVersion: 'v1' } }],
    ['DELETE', '/api/v1/namespaces/shop', { verb: 'delete', objectRef: { resource: 'namespaces', name: 'shop', apiVersion: 'v1' } }],
    ['PUT', '/api/v1/namespaces/shop/status', { verb: 'update', objectRef: { resource: 'namespaces', name: 'shop', apiVersion: 'v1', subresource: 'status' } }],
    ['GET', '/api/v1/nodes/n1', { verb: 'get', objectRef: { resource: 'nodes', name: 'n1', apiVersion: 'v1' } }],
    ['GET', '/healthz', { verb: 'get' }],
    ['POST', '/hooks/git', { verb: 'post' }],
    ['GET', '/apis', { verb: 'get' }],
  ])('%s %s', (method, url, expected) => {
    expect(requestInfo(method, url)).toEqual(expected);
  });
});
