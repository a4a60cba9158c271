import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretFile } from './secretFiles.js';

export interface TokenTable {
  [token: string]: { name: string; groups: string[] };
}

/**
 * Reads the data dir's token table, creating it with a fresh admin token at first start, and puts
 * the admin token alone in DIR/admin.token: the components `skiff up` starts read it from there
 * (--token-file), never from their command lines. Both files are 0600.
 */
export function ensureTokens(dataDir: string): { file: string; adminToken: string; adminTokenFile: string } {
  const file = join(dataDir, 'tokens.json');
  const adminTokenFile = join(dataDir, 'admin.token');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TokenTable) : {};
  let adminToken = Object.entries(stored).find(([, p]) => p.groups.includes('system:masters'))?.[0];
  if (!adminToken) {
    adminToken = randomBytes(32).toString('base64url');
    stored[adminToken] = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
  }
  writeSecretFile(file, JSON.stringify(stored, null, 2) + '\n');
  writeSecretFile(adminTokenFile, adminToken + '\n');
  return { file, adminToken, adminTokenFile };
}
