import { ConflictError, NotFoundError } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';

const SECRETS = resourceType('secrets');

/**
 * `skiff secrets reencrypt`: after a new key went first in the API server's encryption config,
 * writes every Secret back unchanged, a page at a time, so the server seals each with the new key
 * (it rewrites an unchanged Secret read with an old key). The same as Kubernetes'
 * `kubectl get secrets -A -o json | kubectl replace -f -`, without holding every Secret at once.
 * A Secret changed (409) or deleted (404) meanwhile needs nothing: its new write used the new key.
 */
export async function reencryptSecrets(client: ApiClient, pageSize = 100): Promise<{ rewritten: number; skipped: number }> {
  let rewritten = 0;
  let skipped = 0;
  let next: string | undefined;
  do {
    const page = await client.list(SECRETS, { limit: pageSize, continue: next });
    for (const item of page.items) {
      try {
        await client.update(SECRETS, { ...item, apiVersion: 'v1', kind: 'Secret' });
        rewritten++;
      } catch (err) {
        if (!(err instanceof ConflictError) && !(err instanceof NotFoundError)) throw err;
        skipped++;
      }
    }
    next = page.metadata.continue || undefined;
  } while (next);
  return { rewritten, skipped };
}
