import { BadRequestError, decodeProtobufObject, InvalidError, REVIEW_MESSAGES, type Kind, type KubeObject } from '@skiff/apimachinery';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth.js';
import { authorizeAttributes } from '../authorizer.js';
import { decodeBody, requireObject } from '../body.js';
import { apiGroup } from '../discovery.js';
import { encodeJson } from '../negotiate.js';
import type { Rbac } from './rbac.js';
import type { Attributes } from './rules.js';

export const AUTHORIZATION_GROUP = 'authorization.k8s.io';
export const AUTHENTICATION_GROUP = 'authentication.k8s.io';
/** The review groups, for /apis: served here rather than as stored kinds. */
export const REVIEW_GROUPS = [apiGroup(AUTHENTICATION_GROUP, ['v1']), apiGroup(AUTHORIZATION_GROUP, ['v1'])];

interface ResourceAttributes { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string }
interface NonResourceAttributes { path?: string; verb?: string }
interface AccessReviewSpec { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: NonResourceAttributes; user?: string; groups?: string[]; uid?: string; extra?: Record<string, string[]> }

const resource = (name: string, kind: string, namespaced = false) => ({ name, singularName: name.slice(0, -1), namespaced, kind, verbs: ['create'] });

/**
 * authorization.k8s.io/v1 and authentication.k8s.io/v1: the reviews that ask the authorizer (and
 * the authenticator) a question and answer in their status, created and never stored:
 * SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`),
 * SubjectAccessReview and LocalSubjectAccessReview (for another user), SelfSubjectReview
 * (`kubectl auth whoami`).
 */
export function reviewRoutes(rbac: Rbac) {
  return async (app: FastifyInstance) => {
    const send = (reply: FastifyReply, value: unknown) => reply.code(201).header('content-type', 'application/json').send(encodeJson(value));
    app.get(`/apis/${AUTHORIZATION_GROUP}`, async (_req, reply) => reply.header('content-type', 'application/json').send(encodeJson(REVIEW_GROUPS[1])));
    app.get(`/apis/${AUTHENTICATION_GROUP}`, async (_req, reply) => reply.header('content-type', 'application/json').send(encodeJson(REVIEW_GROUPS[0])));
    app.get(`/apis/${AUTHORIZATION_GROUP}/v1`, async (_req, reply) =>
      reply.header('content-type', 'application/json').send(
        encodeJson({
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: `${AUTHORIZATION_GROUP}/v1`,
          resources: [
            resource('localsubjectaccessreviews', 'LocalSubjectAccessReview', true),
            resource('selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
            resource('selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
            resource('subjectaccessreviews', 'SubjectAccessReview'),
          ],
        }),
      ),
    );
    app.get(`/apis/${AUTHENTICATION_GROUP}/v1`, async (_req, reply) =>
      reply.header('content-type', 'application/json').send(
        encodeJson({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${AUTHENTICATION_GROUP}/v1`, resources: [resource('selfsubjectreviews', 'SelfSubjectReview')] }),
      ),
    );

    const mayCreate = (req: FastifyRequest, group: string, res: string, namespace?: string) =>
      authorizeAttributes(req.principal!, { resourceRequest: true, verb: 'create', apiGroup: group, resource: res, namespace }, rbac);

    app.post(`/apis/${AUTHORIZATION_GROUP}/v1/selfsubjectaccessreviews`, async (req, reply) => {
      mayCreate(req, AUTHORIZATION_GROUP, 'selfsubjectaccessreviews');
      const review = reviewBody(req, 'SelfSubjectAccessReview');
      const spec = (review.spec ?? {}) as AccessReviewSpec;
      return send(reply, { ...review, status: decide(rbac, req.principal!, attributesOf(spec, 'SelfSubjectAccessReview')) });
    });

    app.post(`/apis/${AUTHORIZATION_GROUP}/v1/subjectaccessreviews`, async (req, reply) => {
      mayCreate(req, AUTHORIZATION_GROUP, 'subjectaccessreviews');
      const review = reviewBody(req, 'SubjectAccessReview');
      const spec = (review.spec ?? {}) as AccessReviewSpec;
      return send(reply, { ...review, status: decide(rbac, subjectOf(spec, 'SubjectAccessReview'), attributesOf(spec, 'SubjectAccessReview')) });
    });

    app.post<{ Params: { namespace: string } }>(`/apis/${AUTHORIZATION_GROUP}/v1/namespaces/:namespace/localsubjectaccessreviews`, async (req, reply) => {
      mayCreate(req, AUTHORIZATION_GROUP, 'localsubjectaccessreviews', req.params.namespace);
      const review = reviewBody(req, 'LocalSubjectAccessReview');
      const spec = (review.spec ?? {}) as AccessReviewSpec;
      const attrs = attributesOf(spec, 'LocalSubjectAccessReview');
      if (!attrs.resourceRequest || (attrs.namespace ?? '') !== req.params.namespace) {
        throw new BadRequestError(`spec.resourceAttributes.namespace must match metadata.namespace: "${attrs.resourceRequest ? (attrs.namespace ?? '') : ''}" != "${req.params.namespace}"`);
      }
      return send(reply, { ...review, metadata: { ...review.metadata, namespace: req.params.namespace }, status: decide(rbac, subjectOf(spec, 'LocalSubjectAccessReview'), attrs) });
    });

    app.post(`/apis/${AUTHORIZATION_GROUP}/v1/selfsubjectrulesreviews`, async (req, reply) => {
      mayCreate(req, AUTHORIZATION_GROUP, 'selfsubjectrulesreviews');
      const review = reviewBody(req, 'SelfSubjectRulesReview');
      const namespace = ((review.spec ?? {}) as { namespace?: string }).namespace || undefined;
      const rules = rbac.index.rulesFor(req.principal!, namespace);
      const resourceRules = rules.filter((r) => r.resources?.length).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) }));
      const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
      return send(reply, { ...review, status: { resourceRules, nonResourceRules, incomplete: false } });
    });

    app.post(`/apis/${AUTHENTICATION_GROUP}/v1/selfsubjectreviews`, async (req, reply) => {
      mayCreate(req, AUTHENTICATION_GROUP, 'selfsubjectreviews');
      const review = reviewBody(req, 'SelfSubjectReview');
      const p = req.principal!;
      const userInfo = { username: p.name, ...(p.uid ? { uid: p.uid } : {}), groups: p.groups, ...(p.extra ? { extra: p.extra } : {}) };
      return send(reply, { ...review, status: { userInfo } });
    });
  };
}

/** The review in a JSON, YAML or protobuf body, as its own apiVersion and kind. */
function reviewBody(req: FastifyRequest, kind: string): KubeObject {
  const group = kind === 'SelfSubjectReview' ? AUTHENTICATION_GROUP : AUTHORIZATION_GROUP;
  const obj = Buffer.isBuffer(req.body)
    ? decodeProtobufObject(req.body, (apiVersion, k) => {
        const protobuf = REVIEW_MESSAGES[`${apiVersion}/${k}`];
        return protobuf ? ({ protobuf } as unknown as Kind) : undefined;
      })
    : (requireObject(decodeBody(req.body as string, req.headers['content-type'])) as KubeObject);
  return { ...obj, apiVersion: `${group}/v1`, kind, metadata: obj.metadata ?? {} };
}

function attributesOf(spec: AccessReviewSpec, kind: string): Attributes {
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if (!!r === !!n) {
    const field = r ? 'spec.nonResourceAttributes' : 'spec.resourceAttributes';
    throw new InvalidError({ kind, group: AUTHORIZATION_GROUP, name: '' }, [
      { reason: 'FieldValueInvalid', field, message: `Invalid value: ${r ? 'v1.NonResourceAttributes' : '"null"'}: exactly one of nonResourceAttributes or resourceAttributes must be specified` },
    ]);
  }
  if (n) return { resourceRequest: false, verb: n.verb ?? '', path: n.path ?? '' };
  return { resourceRequest: true, verb: r!.verb ?? '', apiGroup: r!.group ?? '', resource: r!.resource ?? '', subresource: r!.subresource || undefined, namespace: r!.namespace || undefined, name: r!.name || undefined };
}

function subjectOf(spec: AccessReviewSpec, kind: string): Principal {
  if (!spec.user && !spec.groups?.length) {
    throw new InvalidError({ kind, group: AUTHORIZATION_GROUP, name: '' }, [{ reason: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }]);
  }
  return { name: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid, extra: spec.extra };
}

/** A review's status: system:masters may do anything; then RBAC, with the binding that allows as the reason. */
function decide(rbac: Rbac, user: Principal, attrs: Attributes): { allowed: boolean; reason?: string } {
  if (user.groups.includes('system:masters')) return { allowed: true };
  const reason = rbac.index.allowedBy(user, attrs);
  return reason ? { allowed: true, reason } : { allowed: false };
}
