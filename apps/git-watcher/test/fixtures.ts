import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A fixture folder's files as `{ '<prefix>/<path>': text }`, for `TestRepo.commit`. */
export function fixtureFiles(name: string, prefix = name): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir)) {
      const abs = join(dir, entry);
      const r = rel ? `${rel}/${entry}` : entry;
      if (statSync(abs).isDirectory()) walk(abs, r);
      else out[prefix ? `${prefix}/${r}` : r] = readFileSync(abs, 'utf8');
    }
  };
  walk(join(FIXTURES, name), '');
  return out;
}
