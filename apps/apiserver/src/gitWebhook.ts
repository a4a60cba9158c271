import { BadRequestError, findResource, NotFoundError, REFRESH_ANNOTATION, toStatus, UnauthorizedError, type KubeObject } from '@skiff/apimachinery';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { applicationFollows, isPushEvent, parsePush, verifyDelivery } from './gitPush.js';
import type { Rest } from './rest.js';

export const GIT_WEBHOOK_PATH = '/hooks/git';

const APPLICATIONS = findResource('skiff.dev', 'v1alpha1', 'applications')!;
const FIELD_MANAGER = 'skiff-git-webhook';

export interface GitWebhookOptions {
  rest: Rest;
  /** The secret GitHub/Gitea sign with and GitLab sends; without one every delivery is refused. */
  secret?: string;
  logger: Logger;
  clock: () => Date;
  bodyLimit: number;
}

/**
 * `POST /hooks/git`: a git host reports a push; every Application following that repository and
 * branch gets the refresh annotation, which the git watcher (watching Applications) acts on at
 * once instead of at its next poll. Authenticated by the webhook secret, not a bearer token.
 */
export function gitWebhookRoutes(opts: GitWebhookOptions) {
  return async (scope: FastifyInstance) => {
    // The HMAC is over the exact bytes sent, so this route alone reads bodies as raw buffers.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));

    scope.post(GIT_WEBHOOK_PATH, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verified = verifyDelivery(req.headers, raw, opts.secret);
      if (!verified.ok) {
        opts.logger.warn({ remote: req.socket.remoteAddress, reason: verified.reason }, 'git webhook rejected');
        const status = toStatus(new UnauthorizedError(`git webhook: ${verified.reason}`));
        return reply.code(401).header('content-type', 'application/json').send(JSON.stringify(status));
      }
      const { delivery } = verified;
      if (!isPushEvent(delivery)) {
        opts.logger.info({ provider: delivery.provider, event: delivery.event }, 'git webhook ignored');
        return reply.code(200).send({ refreshed: [] });
      }
      const push = parsePush(delivery.provider, decodePayload(raw, req.headers['content-type']));
      const refreshed: string[] = [];
      const at = opts.clock().toISOString();
      const apps = await opts.rest.list({ type: APPLICATIONS }, {});
      for (const app of apps.items.filter((a) => applicationFollows(a, push))) {
        if (await refresh(opts.rest, app, at)) refreshed.push(`${app.metadata.namespace}/${app.metadata.name}`);
      }
      opts.logger.info({ provider: delivery.provider, event: delivery.event, repositories: push.repositories, branch: push.branch, refreshed }, 'git webhook delivery');
      return reply.code(refreshed.length ? 202 : 200).send({ refreshed });
    });
  };
}

async function refresh(rest: Rest, app: KubeObject, at: string): Promise<boolean> {
  const path = { type: APPLICATIONS, namespace: app.metadata.namespace, name: app.metadata.name };
  try {
    await rest.patch(path, 'merge', { metadata: { annotations: { [REFRESH_ANNOTATION]: at } } }, { dryRun: false, fieldManager: FIELD_MANAGER });
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false; // deleted since the list
    throw err;
  }
}

/** JSON, or GitHub's `application/x-www-form-urlencoded` form with the JSON in `payload`. */
function decodePayload(raw: Buffer, contentType: string | undefined): unknown {
  let text = raw.toString('utf8');
  if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    text = new URLSearchParams(text).get('payload') ?? '';
  }
  try {
    const payload: unknown = JSON.parse(text);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error('not an object');
    return payload;
  } catch (err) {
    throw new BadRequestError(`git webhook: the payload is not a JSON object: ${(err as Error).message}`);
  }
}
