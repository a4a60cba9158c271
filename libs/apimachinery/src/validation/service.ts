import type { KubeObject } from '../types.js';
import { dns1123LabelErrors, dns1123SubdomainErrors, portNumberErrors, qualifiedNameErrors } from '../names.js';
import { duplicate, FieldPath, forbidden, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { validateLabels } from './objectMeta.js';
import { validatePortNumOrName, validateProtocol } from './podSpec.js';
import { arr, int, isObject, obj, str } from './values.js';

/** Kubernetes' ValidateService and ValidateServiceUpdate (pkg/apis/core/validation). */

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;
const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

/**
 * What Skiff's proxy forwards. Kubernetes also takes SCTP, but the proxy's own listeners (every
 * ClusterIP with process pods, NodePorts on 127.0.0.1 with either runtime) cannot open SCTP
 * sockets, so a proxied SCTP port is refused here rather than accepted and never served. Headless
 * and ExternalName Services are not proxied and keep every protocol.
 */
export const PROXIED_PROTOCOLS = ['TCP', 'UDP'];

export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIPv6(value: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(value) || !value.includes(':')) return false;
  const halves = value.split('::');
  if (halves.length > 2) return false;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const all = [...groups(halves[0]), ...(halves.length === 2 ? groups(halves[1]) : [])];
  let count = 0;
  for (const [i, g] of all.entries()) {
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) count += 1;
    else return false;
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

export function isIP(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

function headless(spec: Record<string, unknown>): boolean {
  return spec.clusterIP === 'None' || (Array.isArray(spec.clusterIPs) && spec.clusterIPs[0] === 'None');
}

export function validateService(svc: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(svc.spec, specPath, errs);
  const type = str(spec.type, specPath.child('type'), errs) || 'ClusterIP';
  const ports = arr(spec.ports, specPath.child('ports'), errs);

  if (ports.length === 0 && !headless(spec) && type !== 'ExternalName') errs.push(required(specPath.child('ports')));
  validateClusterIPs(spec, type, specPath, errs);

  if (type === 'ExternalName') {
    const cname = str(spec.externalName, specPath.child('externalName'), errs).replace(/\.$/, '');
    if (cname) errs.push(...invalidEach(specPath.child('externalName'), cname, dns1123SubdomainErrors(cname)));
    else errs.push(required(specPath.child('externalName')));
  }

  const names = new Set<string>();
  const seenPorts = new Set<string>();
  const seenNodePorts = new Set<string>();
  ports.forEach((raw, i) => {
    const p = specPath.child('ports').index(i);
    const port = obj(raw, p, errs);
    const name = str(port.name, p.child('name'), errs);
    if (ports.length > 1 && !name) {
      errs.push(required(p.child('name')));
    } else if (name) {
      errs.push(...invalidEach(p.child('name'), name, dns1123LabelErrors(name)));
      if (names.has(name)) errs.push(duplicate(p.child('name'), name));
      else names.add(name);
    }
    const number = int(port.port, p.child('port'), errs);
    errs.push(...invalidEach(p.child('port'), number ?? 0, portNumberErrors(number ?? 0)));
    validateProtocol(port.protocol, p.child('protocol'), errs);
    if (port.protocol === 'SCTP' && type !== 'ExternalName' && !headless(spec)) errs.push(notSupported(p.child('protocol'), port.protocol, PROXIED_PROTOCOLS));
    if (port.targetPort !== undefined) validatePortNumOrName(port.targetPort, p.child('targetPort'), errs);
    if (port.appProtocol !== undefined) {
      const appProtocol = str(port.appProtocol, p.child('appProtocol'), errs);
      errs.push(...invalidEach(p.child('appProtocol'), appProtocol, qualifiedNameErrors(appProtocol)));
    }
    const protocol = typeof port.protocol === 'string' ? port.protocol : 'TCP';
    const nodePort = int(port.nodePort, p.child('nodePort'), errs);
    if (nodePort) {
      if (type === 'ClusterIP' || type === 'ExternalName') {
        errs.push(forbidden(p.child('nodePort'), `may not be used when \`type\` is '${type}'`));
      } else if (nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
        errs.push(invalid(p.child('nodePort'), nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`));
      }
      const key = `${protocol}/${nodePort}`;
      if (seenNodePorts.has(key)) errs.push(duplicate(p.child('nodePort'), nodePort));
      seenNodePorts.add(key);
    }
    const key = `${protocol}/${String(number)}`;
    if (seenPorts.has(key)) errs.push(duplicate(p, { port: number, protocol }));
    seenPorts.add(key);
  });

  if (spec.selector !== undefined && spec.selector !== null) validateLabels(spec.selector, specPath.child('selector'), errs);

  const affinity = str(spec.sessionAffinity, specPath.child('sessionAffinity'), errs);
  if (affinity && !['ClientIP', 'None'].includes(affinity)) errs.push(notSupported(specPath.child('sessionAffinity'), affinity, ['ClientIP', 'None']));
  if (affinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(forbidden(specPath.child('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }

  arr(spec.externalIPs, specPath.child('externalIPs'), errs).forEach((ip, i) => {
    const value = str(ip, specPath.child('externalIPs').index(i), errs);
    if (!isIP(value)) errs.push(invalid(specPath.child('externalIPs').index(i), value, IP_ERROR));
  });

  if (spec.type !== undefined && !SERVICE_TYPES.includes(type)) errs.push(notSupported(specPath.child('type'), type, SERVICE_TYPES));

  const externallyAccessible = type === 'NodePort' || type === 'LoadBalancer' || arr(spec.externalIPs, specPath, []).length > 0;
  const etp = str(spec.externalTrafficPolicy, specPath.child('externalTrafficPolicy'), errs);
  if (etp) {
    if (!externallyAccessible) errs.push(invalid(specPath.child('externalTrafficPolicy'), etp, 'may only be set for externally-accessible services'));
    else if (!['Cluster', 'Local'].includes(etp)) errs.push(notSupported(specPath.child('externalTrafficPolicy'), etp, ['Cluster', 'Local']));
  }
  const itp = str(spec.internalTrafficPolicy, specPath.child('internalTrafficPolicy'), errs);
  if (itp && !['Cluster', 'Local'].includes(itp)) errs.push(notSupported(specPath.child('internalTrafficPolicy'), itp, ['Cluster', 'Local']));
}

/**
 * clusterIP is '', 'None' (headless) or an IPv4 address: Skiff runs a single-stack IPv4
 * service network. Errors point at `spec.clusterIPs[i]` when the list is used, like Kubernetes.
 */
function validateClusterIPs(spec: Record<string, unknown>, type: string, specPath: FieldPath, errs: FieldErrors): void {
  const clusterIP = str(spec.clusterIP, specPath.child('clusterIP'), errs);
  const list = arr(spec.clusterIPs, specPath.child('clusterIPs'), errs);
  const entries: [FieldPath, string][] = list.length
    ? list.map((v, i) => [specPath.child('clusterIPs').index(i), str(v, specPath.child('clusterIPs').index(i), errs)])
    : clusterIP
      ? [[specPath.child('clusterIP'), clusterIP]]
      : [];
  if (clusterIP && list.length && list[0] !== clusterIP) errs.push(invalid(specPath.child('clusterIP'), clusterIP, 'must match clusterIPs[0]'));
  if (type === 'ExternalName') {
    if (entries.length) errs.push(forbidden(list.length ? specPath.child('clusterIPs') : specPath.child('clusterIP'), 'may not be set for ExternalName services'));
    return;
  }
  entries.forEach(([p, ip], i) => {
    if (ip === 'None' && i === 0) {
      if (type === 'NodePort' || type === 'LoadBalancer') errs.push(invalid(p, ip, `may not be set to 'None' for ${type} services`));
      return;
    }
    if (!isIPv4(ip)) errs.push(invalid(p, ip, isIPv6(ip) ? 'must be an IPv4 address: the service network is single-stack IPv4' : IP_ERROR));
  });
}

/** Once allocated, a cluster IP stays until the Service is deleted (or becomes ExternalName). */
export function validateServiceUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const n = isObject(next.spec) ? next.spec : {};
  const o = isObject(prev.spec) ? prev.spec : {};
  if (n.type === 'ExternalName' || o.type === 'ExternalName') return;
  const oldIP = typeof o.clusterIP === 'string' ? o.clusterIP : Array.isArray(o.clusterIPs) ? String(o.clusterIPs[0] ?? '') : '';
  if (!oldIP) return;
  const newIP = typeof n.clusterIP === 'string' ? n.clusterIP : Array.isArray(n.clusterIPs) ? String(n.clusterIPs[0] ?? '') : '';
  if (newIP !== oldIP) {
    const path = Array.isArray(n.clusterIPs) ? FieldPath.root('spec', 'clusterIPs').index(0) : FieldPath.root('spec', 'clusterIP');
    errs.push(invalid(path, newIP, 'may not change once set'));
  }
}
