import { i64, m, OBJECT_META, s, strings, type ProtobufMessage } from './message.js';

// k8s.io/api/authentication/v1 (generated.proto): what `kubectl create token` sends.

const BOUND_OBJECT_REFERENCE = { 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') };

export const TOKEN_REQUEST_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: m('spec', { 1: strings('audiences'), 3: m('boundObjectRef', BOUND_OBJECT_REFERENCE), 4: i64('expirationSeconds', { keep: true }) }),
  3: m('status', { 1: s('token'), 2: { name: 'expirationTimestamp', type: 'time' } }),
};
