import { builtinOpenApi } from './openapi/openApiSchemas.js';
import { INGRESS_CLASS_MESSAGE, INGRESS_MESSAGE } from '../protobuf/networking.js';
import { resourceType } from '../resources.js';
import { ingressClassPrinter, ingressPrinter } from '../tables/ingress.js';
import { defaultIngressClassSpec, validateIngress, validateIngressClass, validateIngressClassUpdate } from '../validation/ingress.js';
import type { Kind } from './kind.js';

// The networking.k8s.io/v1 kinds. Skiff's proxy is their controller (`skiff.dev/ingress`).

export const INGRESS: Kind = {
  ...resourceType('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, { shortNames: ['ing'], subresources: ['status'] }),
  openApi: builtinOpenApi('V1Ingress'),
  validate: validateIngress,
  printer: ingressPrinter,
  protobuf: INGRESS_MESSAGE,
};

export const INGRESS_CLASS: Kind = {
  ...resourceType('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false),
  openApi: builtinOpenApi('V1IngressClass'),
  defaults: defaultIngressClassSpec,
  validate: validateIngressClass,
  validateUpdate: validateIngressClassUpdate,
  printer: ingressClassPrinter,
  protobuf: INGRESS_CLASS_MESSAGE,
};
