import { randomBytes } from 'node:crypto';
import { nodeTokenSecret } from '@skiff/apimachinery';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, useTestServer } from './harness.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const IMG = '<img src=x onerror="window.__pwned=1">';

/**
 * A node token writes its pod's status; what it writes reaches the status page through the
 * stream. The API server refuses a status of the wrong shape, and the page shows strings that
 * look like HTML as text, in Debian's Chromium.
 */
describe('pod status from a node, on the status page in a real browser', () => {
  const t = useTestServer();
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('refuses a badly shaped status and shows HTML-looking strings as text', async () => {
    const { call, server } = t;
    const token = randomBytes(16).toString('hex');
    expect((await call('POST', '/api/v1/namespaces/kube-system/secrets', nodeTokenSecret(token, 'n1'))).status).toBe(201);
    const node = api(server, token);
    expect((await node('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } })).status).toBe(201);

    const tracking = { 'skiff.dev/tracking-id': 'default/shop:apps/Deployment:default/web' };
    const app = await call('POST', '/apis/skiff.dev/v1alpha1/namespaces/default/applications', {
      apiVersion: 'skiff.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace: 'default' },
      spec: { source: { repoURL: '/tmp/shop' }, destination: { namespace: 'default' } },
    });
    expect(app.status).toBe(201);
    const deploy = await call('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', annotations: tracking },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    expect(deploy.status).toBe(201);
    const rs = await call('POST', '/apis/apps/v1/namespaces/default/replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: deploy.json.metadata.uid, controller: true }] },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    expect(rs.status).toBe(201);
    const pod = await call('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1-a', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: rs.json.metadata.uid, controller: true }] },
      spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'nginx' }] },
    });
    expect(pod.status).toBe(201);

    const status = (s: unknown) => node('PATCH', '/api/v1/namespaces/default/pods/web-1-a/status', { status: s }, 'application/merge-patch+json');
    const wrongShape = await status({ phase: 'Running', containerStatuses: [{ name: 'web', restartCount: IMG, ready: false, image: 'nginx', imageID: '' }] });
    expect(wrongShape.status).toBe(422);
    expect(wrongShape.json.details.causes).toContainEqual({ reason: 'FieldValueTypeInvalid', field: 'status.containerStatuses[0].restartCount', message: `Invalid value: ${JSON.stringify(IMG)}: expected integer` });
    expect((await status({ phase: IMG })).status).toBe(422);
    const asText = await status({ phase: 'Pending', message: IMG, containerStatuses: [{ name: 'web', restartCount: 0, ready: false, image: 'nginx', imageID: '', state: { waiting: { reason: IMG } } }] });
    expect(asText.status).toBe(200);

    const page = await browser!.newPage();
    try {
      await page.goto(`${server.url}/`);
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 30_000 });
      const pods = page.locator('[data-testid="replicaset-web-1"]');
      await pods.waitFor({ timeout: 30_000 });
      await pods.locator('summary').click();
      await expect.poll(() => pods.locator('.pod-name').first().textContent(), { timeout: 10_000 }).toBe('web-1-a');
      expect(await pods.locator('.badge').last().textContent()).toBe(IMG);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    } finally {
      await page.close();
    }
  }, 120_000);
});
