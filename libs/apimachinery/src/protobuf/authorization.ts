import { m, OBJECT_META, s, strings, type ProtobufMessage, type Schema } from './message.js';

// k8s.io/api/authorization/v1 and authentication/v1 (generated.proto): the reviews kubectl's
// `auth can-i` and `auth whoami` send as protobuf. Requests only: responses go back as JSON.

const RESOURCE_ATTRIBUTES: Schema = { 1: s('namespace'), 2: s('verb'), 3: s('group'), 4: s('version'), 5: s('resource'), 6: s('subresource'), 7: s('name') };
const NON_RESOURCE_ATTRIBUTES: Schema = { 1: s('path'), 2: s('verb') };

export const REVIEW_MESSAGES: Record<string, ProtobufMessage> = {
  'authorization.k8s.io/v1/SelfSubjectAccessReview': { 1: m('metadata', OBJECT_META), 2: m('spec', { 1: m('resourceAttributes', RESOURCE_ATTRIBUTES), 2: m('nonResourceAttributes', NON_RESOURCE_ATTRIBUTES) }) },
  'authorization.k8s.io/v1/SelfSubjectRulesReview': { 1: m('metadata', OBJECT_META), 2: m('spec', { 1: s('namespace') }) },
  'authorization.k8s.io/v1/SubjectAccessReview': {
    1: m('metadata', OBJECT_META),
    2: m('spec', { 1: m('resourceAttributes', RESOURCE_ATTRIBUTES), 2: m('nonResourceAttributes', NON_RESOURCE_ATTRIBUTES), 3: s('user'), 4: strings('groups'), 6: s('uid') }),
  },
  'authorization.k8s.io/v1/LocalSubjectAccessReview': {
    1: m('metadata', OBJECT_META),
    2: m('spec', { 1: m('resourceAttributes', RESOURCE_ATTRIBUTES), 2: m('nonResourceAttributes', NON_RESOURCE_ATTRIBUTES), 3: s('user'), 4: strings('groups'), 6: s('uid') }),
  },
  'authentication.k8s.io/v1/SelfSubjectReview': { 1: m('metadata', OBJECT_META) },
};
