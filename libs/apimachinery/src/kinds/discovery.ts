import { builtinOpenApi } from './openapi/openApiSchemas.js';
import { resourceType } from '../resources.js';
import { endpointSlicePrinter } from '../tables/endpointSlice.js';
import { defaultEndpointSlice, validateEndpointSlice, validateEndpointSliceUpdate } from '../validation/endpointSlice.js';
import type { Kind } from './kind.js';

// The discovery.k8s.io/v1 kinds: written by the endpointslice (and mirroring) controllers, read by the proxy.

export const ENDPOINT_SLICE: Kind = {
  ...resourceType('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  openApi: builtinOpenApi('V1EndpointSlice'),
  defaults: defaultEndpointSlice,
  validate: validateEndpointSlice,
  validateUpdate: validateEndpointSliceUpdate,
  printer: endpointSlicePrinter,
};
