import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../types.js';
import { dns1123LabelErrors, qualifiedNameErrors } from '../names.js';
import { duplicate, FieldPath, IMMUTABLE, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { validateLabels } from './objectMeta.js';
import { isIPv4, isIPv6 } from './service.js';
import { arr, int, obj, str } from './values.js';

/** Kubernetes' EndpointSlice validation (pkg/apis/discovery/validation), discovery.k8s.io/v1. */

export const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;
const MAX_TOPOLOGY_LABELS = 16;

function tooMany(path: FieldPath, actual: number, max: number): StatusCause {
  return { reason: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} items`, field: path.toString() };
}

const fqdn = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * ValidateEndpointSlice: a supported addressType, at most 1000 endpoints each with 1-100 addresses
 * of that type, at most 100 ports with unique DNS-label names and a protocol. As for Endpoints,
 * loopback addresses are allowed (Kubernetes refuses them): Skiff's process pods live in 127.0.0.0/8.
 */
export function validateEndpointSlice(slice: KubeObject, errs: FieldErrors): void {
  const addressType = str(slice.addressType, FieldPath.root('addressType'), errs);
  if (!addressType) errs.push(required(FieldPath.root('addressType')));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(notSupported(FieldPath.root('addressType'), addressType, ADDRESS_TYPES));

  const ep = FieldPath.root('endpoints');
  const endpoints = arr(slice.endpoints, ep, errs);
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany(ep, endpoints.length, MAX_ENDPOINTS));
  else {
    endpoints.forEach((raw, i) => {
      const p = ep.index(i);
      const endpoint = obj(raw, p, errs);
      const addresses = arr(endpoint.addresses, p.child('addresses'), errs);
      if (addresses.length === 0) errs.push(required(p.child('addresses'), 'must contain at least 1 address'));
      else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(p.child('addresses'), addresses.length, MAX_ADDRESSES));
      addresses.forEach((a, j) => validateAddress(str(a, p.child('addresses').index(j), errs), addressType, p.child('addresses').index(j), errs));
      const topology = obj(endpoint.deprecatedTopology, p.child('deprecatedTopology'), errs);
      if (Object.keys(topology).length > MAX_TOPOLOGY_LABELS) errs.push(tooMany(p.child('deprecatedTopology'), Object.keys(topology).length, MAX_TOPOLOGY_LABELS));
      validateLabels(topology, p.child('deprecatedTopology'), errs);
      if (endpoint.hostname !== undefined && endpoint.hostname !== null) {
        const hostname = str(endpoint.hostname, p.child('hostname'), errs);
        errs.push(...invalidEach(p.child('hostname'), hostname, dns1123LabelErrors(hostname)));
      }
    });
  }

  const pp = FieldPath.root('ports');
  const ports = arr(slice.ports, pp, errs);
  if (ports.length > MAX_PORTS) {
    errs.push(tooMany(pp, ports.length, MAX_PORTS));
    return;
  }
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const p = pp.index(i);
    const port = obj(raw, p, errs);
    const name = str(port.name, p.child('name'), errs);
    if (name) errs.push(...invalidEach(p.child('name'), name, dns1123LabelErrors(name)));
    if (names.has(name)) errs.push(duplicate(p.child('name'), name));
    names.add(name);
    if (port.protocol === undefined || port.protocol === null) errs.push(required(p.child('protocol')));
    else {
      const protocol = str(port.protocol, p.child('protocol'), errs);
      if (!PROTOCOLS.includes(protocol)) errs.push(notSupported(p.child('protocol'), protocol, PROTOCOLS));
    }
    int(port.port, p.child('port'), errs);
    if (port.appProtocol !== undefined && port.appProtocol !== null) {
      const appProtocol = str(port.appProtocol, p.child('appProtocol'), errs);
      errs.push(...invalidEach(p.child('appProtocol'), appProtocol, qualifiedNameErrors(appProtocol)));
    }
  });
}

function validateAddress(address: string, addressType: string, path: FieldPath, errs: FieldErrors): void {
  if (addressType === 'IPv4') {
    if (!isIPv4(address)) errs.push(invalid(path, address, 'must be a valid IPv4 address'));
    else if (address === '0.0.0.0') errs.push(invalid(path, address, `may not be unspecified (${address})`));
    else if (address.startsWith('169.254.')) errs.push(invalid(path, address, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
    else if (address.startsWith('224.0.0.')) errs.push(invalid(path, address, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  } else if (addressType === 'IPv6') {
    if (!isIPv6(address)) errs.push(invalid(path, address, 'must be a valid IPv6 address'));
  } else if (addressType === 'FQDN') {
    if (!fqdn.test(address.toLowerCase()) || address.length > 253) errs.push(invalid(path, address, 'should be a domain with at least two segments separated by dots'));
  }
}

/** ValidateEndpointSliceUpdate: the address type cannot change. */
export function validateEndpointSliceUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  if (next.addressType !== prev.addressType) errs.push(invalid(FieldPath.root('addressType'), next.addressType ?? '', IMMUTABLE));
}

/** SetDefaults_EndpointPort: an unnamed port is named `""`, the protocol is TCP. */
export function defaultEndpointSlice(slice: KubeObject): void {
  if (!Array.isArray(slice.ports)) return;
  for (const port of slice.ports as Record<string, unknown>[]) {
    if (typeof port !== 'object' || port === null) continue;
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
}
