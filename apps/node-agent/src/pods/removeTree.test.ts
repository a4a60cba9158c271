import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTree } from './removeTree.js';

describe('removeTree', () => {
  it('removes a pod directory holding an unreadable (chmod 000) directory, and never throws', () => {
    const root = mkdtempSync(join(tmpdir(), 'skiff-rm-'));
    try {
      const locked = join(root, 'pod', 'volumes', 'scratch', 'locked');
      mkdirSync(join(locked, 'inner'), { recursive: true });
      writeFileSync(join(locked, 'inner', 'f'), 'x');
      chmodSync(join(locked, 'inner'), 0o000);
      chmodSync(locked, 0o000);
      const warnings: object[] = [];
      removeTree(join(root, 'pod'), { warn: (o) => warnings.push(o) });
      expect(existsSync(join(root, 'pod'))).toBe(false);
      expect(warnings).toEqual([]);
      // What is not there is no failure either.
      expect(() => removeTree(join(root, 'gone'), { warn: () => {} })).not.toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
