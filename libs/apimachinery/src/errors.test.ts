import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  BadRequestError,
  ExpiredError,
  beingDeleted,
  forbiddenMessage,
  ForbiddenError,
  generateNameConflict,
  goQuote,
  InternalError,
  InvalidError,
  MethodNotAllowedError,
  NotFoundError,
  successStatus,
  toStatus,
  UnauthorizedError,
} from './errors.js';

const terminating = { kind: 'configmaps', name: 'cm' };

describe('toStatus writes metav1.Status as kube-apiserver encodes it', () => {
  it.each([
    ['Expired (no details)', new ExpiredError('too old resource version: 1 (5)'), '"message":"too old resource version: 1 (5)","reason":"Expired","code":410'],
    ['BadRequest (no details)', new BadRequestError('bad'), '"message":"bad","reason":"BadRequest","code":400'],
    ['Unauthorized', new UnauthorizedError(), '"message":"Unauthorized","reason":"Unauthorized","code":401'],
    ['InternalError, the cause repeated', new InternalError('boom'), '"message":"Internal error occurred: boom","reason":"InternalError","details":{"causes":[{"message":"boom"}]},"code":500'],
    ['a thrown Error', new Error('boom'), '"message":"Internal error occurred: boom","reason":"InternalError","details":{"causes":[{"message":"boom"}]},"code":500'],
    ['NotFound in a group', new NotFoundError({ kind: 'deployments', group: 'apps', name: 'web' }), '"message":"deployments.apps \\"web\\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404'],
    ['NotFound in the core group', new NotFoundError({ kind: 'pods', group: '', name: 'p' }), '"message":"pods \\"p\\" not found","reason":"NotFound","details":{"name":"p","kind":"pods"},"code":404'],
    ['AlreadyExists', new AlreadyExistsError({ kind: 'secrets', group: '', name: 's' }), '"message":"secrets \\"s\\" already exists","reason":"AlreadyExists","details":{"name":"s","kind":"secrets"},"code":409'],
    [
      'AlreadyExists for a generated name, being deleted',
      beingDeleted(generateNameConflict({ kind: 'pods', name: 'web-x7k2p' })),
      '"message":"object is being deleted: pods \\"web-x7k2p\\" already exists, the server was not able to generate a unique name for the object","reason":"AlreadyExists","details":{"name":"web-x7k2p","kind":"pods","retryAfterSeconds":1},"code":409',
    ],
    ['MethodNotAllowed (empty details kept)', new MethodNotAllowedError(), '"message":"the server does not allow this method on the requested resource","reason":"MethodNotAllowed","details":{},"code":405'],
    [
      'Forbidden with a cause',
      new ForbiddenError(forbiddenMessage(terminating, 'unable to create new content in namespace ns because it is being terminated'), terminating, [
        { reason: 'NamespaceTerminating', message: 'namespace ns is being terminated', field: 'metadata.namespace' },
      ]),
      '"message":"configmaps \\"cm\\" is forbidden: unable to create new content in namespace ns because it is being terminated","reason":"Forbidden","details":{"name":"cm","kind":"configmaps","causes":[{"reason":"NamespaceTerminating","message":"namespace ns is being terminated","field":"metadata.namespace"}]},"code":403',
    ],
    [
      'Invalid: a repeated cause is said once, without brackets',
      new InvalidError({ kind: 'Pod', name: 'p' }, [
        { field: 'spec', message: 'Required value' },
        { field: 'spec', message: 'Required value' },
      ]),
      '"message":"Pod \\"p\\" is invalid: spec: Required value","reason":"Invalid","details":{"name":"p","kind":"Pod","causes":[{"reason":"FieldValueInvalid","message":"Required value","field":"spec"},{"reason":"FieldValueInvalid","message":"Required value","field":"spec"}]},"code":422',
    ],
  ])('%s', (_name, err, fields) => {
    expect(JSON.stringify(toStatus(err))).toBe(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",${fields}}`);
  });

  it('success omits the empty message and reason, and the code when there is none', () => {
    expect(JSON.stringify(successStatus({ name: 'x', kind: 'pods' }, 200))).toBe('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"x","kind":"pods"},"code":200}');
    expect(JSON.stringify(successStatus({ name: 'x', group: 'apps', kind: 'deployments', uid: 'u' }))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"x","group":"apps","kind":"deployments","uid":"u"}}',
    );
  });

  it.each([
    [{ kind: 'namespaces', name: 'default' }, 'namespaces "default" is forbidden: no'],
    [{ kind: 'deployments', group: 'apps' }, 'deployments.apps is forbidden: no'],
    [{}, 'forbidden: no'],
  ])('forbiddenMessage(%o) is NewForbidden\'s message', (target, message) => {
    expect(forbiddenMessage(target, 'no')).toBe(message);
  });
});

describe('goQuote is Go\'s %q', () => {
  it.each([
    ['web', '"web"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['tab\there\n', '"tab\\there\\n"'],
    ['\x01\x7f\x07', '"\\x01\\x7f\\a"'],
    ['caf\u00e9 \u00ad\u2028', '"caf\u00e9 \\u00ad\\u2028"'],
  ])('%o', (input, quoted) => {
    expect(goQuote(input)).toBe(quoted);
  });
});
