import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuilt, isBuilt } from './ensureBuilt.js';

// Inside the package, so the tiny page's vite.config.ts resolves 'vite' from the workspace.
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));

describe('ensureBuilt', () => {
  mkdirSync(OUTPUT, { recursive: true });
  const dir = mkdtempSync(join(OUTPUT, 'page-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds when dist is missing, skips when it is newer than every source, rebuilds when a source changes', async () => {
    mkdirSync(join(dir, 'web'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script type="module" src="/web/main.ts"></script></body></html>');
    writeFileSync(join(dir, 'web', 'main.ts'), "document.body.append('hi');\n");
    writeFileSync(join(dir, 'vite.config.ts'), "import { defineConfig } from 'vite';\nexport default defineConfig({ build: { outDir: 'dist' }, logLevel: 'silent' });\n");
    expect(isBuilt(dir)).toBe(false);

    const first = await ensureBuilt({ packageDir: dir });
    expect(first).toMatchObject({ built: true, distDir: join(dir, 'dist') });
    expect(isBuilt(dir)).toBe(true);
    expect(await ensureBuilt({ packageDir: dir })).toMatchObject({ built: false });

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'web', 'main.ts'), later, later);
    expect(isBuilt(dir)).toBe(false);
    expect(await ensureBuilt({ packageDir: dir })).toMatchObject({ built: true });
  });
});
