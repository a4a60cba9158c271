import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlreadyExistsError, nodeTokenSecret } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import { ensurePrivateDir, writeSecretFile } from './secretFiles.js';

/**
 * The token a node agent authenticates with (as system:node:NAME); stored as a Secret via the API
 * and in DIR/nodes/NAME/token (0600), which the agent reads with --token-file.
 */
export async function ensureNodeToken(client: ApiClient, dataDir: string, node: string): Promise<{ token: string; file: string }> {
  const dir = join(dataDir, 'nodes', node);
  ensurePrivateDir(dir);
  const file = join(dir, 'token');
  const token = existsSync(file) ? readFileSync(file, 'utf8').trim() : randomBytes(32).toString('base64url');
  try {
    await client.create(resourceType('secrets'), nodeTokenSecret(token, node));
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  writeSecretFile(file, token + '\n');
  return { token, file };
}

/** Mints a fresh node token (for `skiff agent` on another machine). */
export async function createNodeToken(client: ApiClient, node: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await client.create(resourceType('secrets'), nodeTokenSecret(token, node));
  return token;
}
