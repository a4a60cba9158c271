import { FieldPath, invalid, notSupported, type FieldErrors } from './fieldErrors.js';
import { validateQuantityValue } from './resourceQuota.js';
import { boundedText, ipAddress, MAX_STATUS_NAME_BYTES, validateStatusCondition } from './statusFields.js';
import { arr, int, obj, str, strings } from './values.js';

/**
 * A Node's status as its agent writes it, checked for shape and size like a Pod's
 * (see podStatus.ts): conditions, addresses of Kubernetes' types, quantities that parse, bounded
 * strings in nodeInfo and the image list.
 */

const ADDRESS_TYPES = ['ExternalDNS', 'ExternalIP', 'Hostname', 'InternalDNS', 'InternalIP'];
const NODE_INFO_FIELDS = ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture'] as const;

export function validateNodeStatus(status: unknown, errs: FieldErrors): void {
  if (status === undefined || status === null) return;
  const path = FieldPath.root('status');
  const s = obj(status, path, errs);
  for (const field of ['capacity', 'allocatable'] as const) {
    for (const [name, value] of Object.entries(obj(s[field], path.child(field), errs))) validateQuantityValue(name, value, path.child(field).key(name), errs);
  }
  boundedText(s.phase, path.child('phase'), MAX_STATUS_NAME_BYTES, errs);
  arr(s.conditions, path.child('conditions'), errs).forEach((c, i) => validateStatusCondition(c, path.child('conditions').index(i), errs));
  arr(s.addresses, path.child('addresses'), errs).forEach((raw, i) => {
    const p = path.child('addresses').index(i);
    const a = obj(raw, p, errs);
    const type = str(a.type, p.child('type'), errs);
    if (!ADDRESS_TYPES.includes(type)) errs.push(notSupported(p.child('type'), type, ADDRESS_TYPES));
    if (type === 'InternalIP' || type === 'ExternalIP') ipAddress(a.address, p.child('address'), errs);
    else boundedText(a.address, p.child('address'), MAX_STATUS_NAME_BYTES, errs);
  });
  const endpoint = obj(obj(s.daemonEndpoints, path.child('daemonEndpoints'), errs).kubeletEndpoint, path.child('daemonEndpoints', 'kubeletEndpoint'), errs);
  const port = int(endpoint.Port, path.child('daemonEndpoints', 'kubeletEndpoint', 'Port'), errs);
  if (port !== undefined && (port < 0 || port > 65535)) errs.push(invalid(path.child('daemonEndpoints', 'kubeletEndpoint', 'Port'), port, 'must be between 0 and 65535, inclusive'));
  const info = obj(s.nodeInfo, path.child('nodeInfo'), errs);
  for (const field of NODE_INFO_FIELDS) boundedText(info[field], path.child('nodeInfo', field), MAX_STATUS_NAME_BYTES, errs);
  arr(s.images, path.child('images'), errs).forEach((raw, i) => {
    const p = path.child('images').index(i);
    const image = obj(raw, p, errs);
    for (const name of strings(image.names, p.child('names'), errs)) boundedText(name.value, name.path, MAX_STATUS_NAME_BYTES, errs);
    int(image.sizeBytes, p.child('sizeBytes'), errs);
  });
  for (const name of strings(s.volumesInUse, path.child('volumesInUse'), errs)) boundedText(name.value, name.path, MAX_STATUS_NAME_BYTES, errs);
}
