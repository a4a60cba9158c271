import { hash } from 'bcryptjs';
import type { RegistryCredentials } from './registryClient.js';

/** bcrypt is the only hash the registry's htpasswd support accepts. */
const BCRYPT_COST = 10;

/** One `user:hash` line of an htpasswd file, as the registry's `auth.htpasswd` reads it. */
export async function htpasswdLine({ username, password }: RegistryCredentials): Promise<string> {
  if (username === '' || username.includes(':') || /\s/.test(username)) {
    throw new Error(`htpasswd user name ${JSON.stringify(username)} must be non-empty, without ":" or whitespace`);
  }
  return `${username}:${await hash(password, BCRYPT_COST)}\n`;
}
