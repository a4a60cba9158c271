import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { makePgliteTemplate, pgliteTemplateIsCurrent } from '../src/db/pgliteTemplate.js';
import { seedFromPgliteTemplate } from '../src/db/seedFromPgliteTemplate.js';
import { configMap, configMapKey } from './builders.js';

describe('the PGlite template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-pglite-template-'));
  const template = join(dir, 'template');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a new data dir migrated, with nothing to apply, and a store works on it', async () => {
    expect(pgliteTemplateIsCurrent(template)).toBe(false);
    await makePgliteTemplate(template);
    expect(pgliteTemplateIsCurrent(template)).toBe(true);

    const dataDir = join(dir, 'cluster');
    const applied: unknown[] = [];
    const logger = { info: (o: unknown) => applied.push(o), warn: () => {}, error: () => {} };
    const store = await openStore({ dataDir, pgliteTemplate: template, compactIntervalMs: 0, logger });
    try {
      // The migrations ran when the template was made, not at this open.
      expect(applied).toEqual([]);
      const made = await store.create(configMapKey('a'), configMap('a'));
      expect(await store.get(configMapKey('a'))).toMatchObject({ metadata: { resourceVersion: made.metadata.resourceVersion } });
    } finally {
      await store.close();
    }
    // A data dir that holds a database is never overwritten.
    expect(seedFromPgliteTemplate(join(dataDir, 'pgdata'), template)).toBe(false);
    const reopened = await openStore({ dataDir, pgliteTemplate: template, compactIntervalMs: 0 });
    try {
      expect(await reopened.get(configMapKey('a'))).toBeDefined();
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it('is not used when another PGlite made it', () => {
    const manifest = join(template, 'skiff-template.json');
    const made = JSON.parse(readFileSync(manifest, 'utf8')) as { pgliteVersion: string };
    writeFileSync(manifest, JSON.stringify({ ...made, pgliteVersion: '0.0.1' }));
    expect(pgliteTemplateIsCurrent(template)).toBe(false);
    const target = join(dir, 'other', 'pgdata');
    expect(seedFromPgliteTemplate(target, template)).toBe(false);
    expect(existsSync(join(target, 'PG_VERSION'))).toBe(false);
  });
});
