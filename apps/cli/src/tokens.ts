import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TokenTable {
  [token: string]: { name: string; groups: string[] };
}

/** Reads the data dir's token table, creating it with a fresh admin token at first start. */
export function ensureTokens(dataDir: string): { file: string; adminToken: string } {
  const file = join(dataDir, 'tokens.json');
  if (existsSync(file)) {
    const table = JSON.parse(readFileSync(file, 'utf8')) as TokenTable;
    const admin = Object.entries(table).find(([, p]) => p.groups.includes('system:masters'));
    if (admin) return { file, adminToken: admin[0] };
  }
  const adminToken = randomBytes(32).toString('base64url');
  const table: TokenTable = { [adminToken]: { name: 'admin', groups: ['system:masters', 'system:authenticated'] } };
  writeFileSync(file, JSON.stringify(table, null, 2) + '\n', { mode: 0o600 });
  return { file, adminToken };
}
