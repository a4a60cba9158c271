import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitIn, startCluster, type TestCluster } from './cluster.js';

const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const APP = '[data-testid="app-default-demo"]';

describe('the status page in a real browser, on a cluster started with skiff up', () => {
  let cluster: TestCluster;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    // One after the other: if the browser fails to launch, afterAll still stops the cluster.
    cluster = await startCluster({ nodes: 2 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  const text = (testId: string) => page.locator(`${APP} [data-testid="${testId}"]`).first();

  it('shows the demo Application going live, then a new commit rolling out without a reload', async () => {
    const repo = join(cluster.dataDir, 'repo');
    const head = gitIn(repo, ['rev-parse', 'HEAD']);
    await page.goto(`${cluster.url}/`);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => text('app-revision').textContent(), { timeout: 120_000 }).toBe(head.slice(0, 7));
    await expect.poll(() => text('app-sync').textContent(), { timeout: 120_000 }).toBe('Synced');
    await expect.poll(() => text('app-health').textContent(), { timeout: 120_000 }).toBe('Healthy');
    await expect.poll(() => page.locator(`${APP} [data-testid="deployment-backend"]`).count()).toBe(1);
    await expect.poll(() => page.locator('[data-testid^="node-node-"]').count()).toBe(2);
    await page.screenshot({ path: join(OUTPUT, 'status-page.png'), fullPage: true });

    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const file = join(repo, 'deploy-processes', 'backend.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('replicas: 2', 'replicas: 3').replace('value: "v1"', 'value: "v2"'));
    gitIn(repo, ['commit', '-q', '-am', 'backend: v2 with 3 replicas']);
    const next = gitIn(repo, ['rev-parse', 'HEAD']);

    await expect.poll(() => text('app-revision').textContent(), { timeout: 60_000 }).toBe(next.slice(0, 7));
    expect(await text('app-commit-message').textContent()).toBe('backend: v2 with 3 replicas');
    // The rollout (new pods must pass their readiness probe) usually outlasts the sync by seconds.
    const sawRollout = await page
      .locator(`${APP} [data-testid="app-rollout"]`)
      .waitFor({ timeout: 15_000 })
      .then(() => true, () => false);
    if (sawRollout) await page.screenshot({ path: join(OUTPUT, 'status-page-rollout.png'), fullPage: true });
    await expect.poll(() => text('app-health').textContent(), { timeout: 120_000 }).toBe('Healthy');
    await expect.poll(() => page.locator(`${APP} [data-testid="app-rollout"]`).count(), { timeout: 120_000 }).toBe(0);
    await expect.poll(() => page.locator(`${APP} [data-testid="deployment-backend"]`).textContent()).toContain('3/3 ready');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.screenshot({ path: join(OUTPUT, 'status-page-after-commit.png'), fullPage: true });

    // Phone width: everything fits, nothing scrolls sideways.
    await page.setViewportSize({ width: 375, height: 812 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(OUTPUT, 'status-page-375.png') });
    await page.screenshot({ path: join(OUTPUT, 'status-page-375-full.png'), fullPage: true });
  }, 300_000);
});
