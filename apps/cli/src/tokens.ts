import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENT_GROUPS, componentUser, SKIFF_COMPONENTS, type SkiffComponent } from '@skiff/apimachinery';
import { ensurePrivateDir, writeSecretFile } from './secretFiles.js';

export interface TokenTable {
  [token: string]: { name: string; groups: string[] };
}

export interface ClusterTokens {
  /** The API server's token table (--token-file). */
  file: string;
  adminToken: string;
  adminTokenFile: string;
  /** Each component's own token, in DIR/components/<name>.token. */
  componentTokenFiles: Record<SkiffComponent, string>;
}

const newToken = () => randomBytes(32).toString('base64url');

/**
 * Reads the data dir's token table, adding what it lacks: an admin token at first start, and a
 * token per Skiff component (user `system:skiff:<name>`, in its COMPONENT_GROUPS: its bootstrap
 * ClusterRole says what it may do). Each token is also alone in a file, which the process `skiff up` starts
 * reads (--token-file), never its command line: DIR/admin.token, DIR/components/<name>.token. All
 * are 0600.
 */
export function ensureTokens(dataDir: string): ClusterTokens {
  const file = join(dataDir, 'tokens.json');
  const adminTokenFile = join(dataDir, 'admin.token');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TokenTable) : {};
  const tokenOf = (match: (p: TokenTable[string]) => boolean, make: () => TokenTable[string]): string => {
    const found = Object.entries(stored).find(([, p]) => match(p))?.[0];
    if (found) return found;
    const token = newToken();
    stored[token] = make();
    return token;
  };
  const adminToken = tokenOf((p) => p.groups.includes('system:masters'), () => ({ name: 'admin', groups: ['system:masters', 'system:authenticated'] }));
  const componentDir = join(dataDir, 'components');
  ensurePrivateDir(componentDir);
  const componentTokenFiles = {} as Record<SkiffComponent, string>;
  const componentTokens = SKIFF_COMPONENTS.map((c) => {
    const user = componentUser(c);
    componentTokenFiles[c] = join(componentDir, `${c}.token`);
    return [componentTokenFiles[c], tokenOf((p) => p.name === user, () => ({ name: user, groups: [...(COMPONENT_GROUPS[c] ?? []), 'system:authenticated'] }))] as const;
  });
  writeSecretFile(file, JSON.stringify(stored, null, 2) + '\n');
  writeSecretFile(adminTokenFile, adminToken + '\n');
  for (const [f, token] of componentTokens) writeSecretFile(f, token + '\n');
  return { file, adminToken, adminTokenFile, componentTokenFiles };
}
