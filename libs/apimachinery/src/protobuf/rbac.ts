import { LABEL_SELECTOR, list, m, OBJECT_META, s, strings, type ProtobufMessage, type Schema } from './message.js';

// k8s.io/api/rbac/v1 (generated.proto): what `kubectl create role|clusterrole|rolebinding|clusterrolebinding` send.

const POLICY_RULE: Schema = { 1: strings('verbs'), 2: strings('apiGroups'), 3: strings('resources'), 4: strings('resourceNames'), 5: strings('nonResourceURLs') };
const SUBJECT: Schema = { 1: s('kind'), 2: s('apiGroup'), 3: s('name'), 4: s('namespace') };
const ROLE_REF: Schema = { 1: s('apiGroup'), 2: s('kind'), 3: s('name') };

export const ROLE_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: list('rules', POLICY_RULE) };
export const CLUSTER_ROLE_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: list('rules', POLICY_RULE),
  3: m('aggregationRule', { 1: list('clusterRoleSelectors', LABEL_SELECTOR) }),
};
export const ROLE_BINDING_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: list('subjects', SUBJECT), 3: m('roleRef', ROLE_REF) };
