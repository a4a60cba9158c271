import type { KubeObject } from '../types.js';
import { dns1123LabelErrors, dns1123SubdomainErrors, portNumberErrors } from '../names.js';
import { FieldPath, invalid, invalidEach, required, type FieldErrors } from './fieldErrors.js';
import { validateProtocol } from './podSpec.js';
import { isIP, isIPv4 } from './service.js';
import { arr, int, obj, str } from './values.js';

function validateAddress(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const address = obj(raw, path, errs);
  const ip = str(address.ip, path.child('ip'), errs);
  if (!isIP(ip)) {
    errs.push(invalid(path.child('ip'), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  } else if (isIPv4(ip)) {
    // Endpoints must be reachable pod or node addresses, never "any" or link-local. Unlike
    // Kubernetes, loopback is allowed: Skiff's pod network is inside 127.0.0.0/8.
    if (ip === '0.0.0.0') errs.push(invalid(path.child('ip'), ip, `may not be unspecified (${ip})`));
    if (ip.startsWith('169.254.')) errs.push(invalid(path.child('ip'), ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
    if (ip.startsWith('224.0.0.')) errs.push(invalid(path.child('ip'), ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  const hostname = str(address.hostname, path.child('hostname'), errs);
  if (hostname) errs.push(...invalidEach(path.child('hostname'), hostname, dns1123LabelErrors(hostname)));
  const nodeName = str(address.nodeName, path.child('nodeName'), errs);
  if (nodeName) errs.push(...invalidEach(path.child('nodeName'), nodeName, dns1123SubdomainErrors(nodeName)));
}

/** Kubernetes' ValidateEndpoints: every subset has addresses; ports are named when there are several. */
export function validateEndpoints(ep: KubeObject, errs: FieldErrors): void {
  const path = FieldPath.root('subsets');
  arr(ep.subsets, path, errs).forEach((raw, i) => {
    const p = path.index(i);
    const subset = obj(raw, p, errs);
    const addresses = arr(subset.addresses, p.child('addresses'), errs);
    const notReady = arr(subset.notReadyAddresses, p.child('notReadyAddresses'), errs);
    if (addresses.length === 0 && notReady.length === 0) errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => validateAddress(a, p.child('addresses').index(j), errs));
    notReady.forEach((a, j) => validateAddress(a, p.child('notReadyAddresses').index(j), errs));
    const ports = arr(subset.ports, p.child('ports'), errs);
    ports.forEach((rawPort, j) => {
      const pp = p.child('ports').index(j);
      const port = obj(rawPort, pp, errs);
      const name = str(port.name, pp.child('name'), errs);
      if (ports.length > 1 && !name) errs.push(required(pp.child('name')));
      else if (name) errs.push(...invalidEach(pp.child('name'), name, dns1123LabelErrors(name)));
      const number = int(port.port, pp.child('port'), errs) ?? 0;
      errs.push(...invalidEach(pp.child('port'), number, portNumberErrors(number)));
      validateProtocol(port.protocol, pp.child('protocol'), errs);
    });
  });
}
