import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretFile } from './secretFiles.js';

/**
 * DIR/encryption-config.yaml, the API server's --encryption-provider-config: made at first start
 * with a random AES-GCM key, then left as the user keeps it (rotation means editing it: a new key
 * first, then rewriting the Secrets). identity stays last so that Secrets written by a Skiff
 * without encryption still read.
 */
export function ensureEncryptionConfig(dataDir: string): string {
  const file = join(dataDir, 'encryption-config.yaml');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return file;
  }
  writeSecretFile(
    file,
    `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm:
      keys:
      - name: key1
        secret: ${randomBytes(32).toString('base64')}
  - identity: {}
`,
  );
  return file;
}
