import { i32, list, m, OBJECT_META, s, strings, type ProtobufMessage, type Schema } from './message.js';

// k8s.io/api/networking/v1 (generated.proto): what `kubectl create ingress` sends.

const TYPED_LOCAL_OBJECT_REFERENCE: Schema = { 1: s('apiGroup', { keep: true }), 2: s('kind'), 3: s('name') };
const INGRESS_BACKEND: Schema = {
  3: m('resource', TYPED_LOCAL_OBJECT_REFERENCE),
  4: m('service', { 1: s('name'), 2: m('port', { 1: s('name'), 2: i32('number') }) }),
};
const INGRESS_SPEC: Schema = {
  1: m('defaultBackend', INGRESS_BACKEND),
  2: list('tls', { 1: strings('hosts'), 2: s('secretName') }),
  // IngressRuleValue is embedded in IngressRule: JSON inlines its `http`.
  3: list('rules', { 1: s('host'), 2: m('ingressRuleValue', { 1: m('http', { 1: list('paths', { 1: s('path'), 2: m('backend', INGRESS_BACKEND), 3: s('pathType', { keep: true }) }) }) }, { inline: true }) }),
  4: s('ingressClassName', { keep: true }),
};
const INGRESS_STATUS: Schema = {
  1: m('loadBalancer', { 1: list('ingress', { 1: s('ip'), 2: s('hostname'), 4: list('ports', { 1: i32('port', { keep: true }), 2: s('protocol'), 3: s('error', { keep: true }) }) }) }),
};

export const INGRESS_MESSAGE: ProtobufMessage = { 1: m('metadata', OBJECT_META), 2: m('spec', INGRESS_SPEC), 3: m('status', INGRESS_STATUS) };

export const INGRESS_CLASS_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: m('spec', { 1: s('controller'), 2: m('parameters', { 1: s('apiGroup', { keep: true }), 2: s('kind'), 3: s('name'), 4: s('scope', { keep: true }), 5: s('namespace', { keep: true }) }) }),
};
