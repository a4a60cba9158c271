import { builtinOpenApi } from './openapi/openApiSchemas.js';
import { resourceType } from '../resources.js';
import { leasePrinter } from '../tables/builtinPrinters.js';
import { validateLease } from '../validation/lease.js';
import type { Kind } from './kind.js';

export const LEASE: Kind = {
  ...resourceType('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  openApi: builtinOpenApi('V1Lease'),
  validate: validateLease,
  allowCreateOnUpdate: true,
  printer: leasePrinter,
};
