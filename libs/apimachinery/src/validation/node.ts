import type { KubeObject } from '../types.js';
import { labelValueErrors, qualifiedNameErrors } from '../names.js';
import { duplicate, FieldPath, forbidden, invalid, invalidEach, type FieldErrors } from './fieldErrors.js';
import { validateNodeStatus } from './nodeStatus.js';
import { validateTaintEffect } from './podSpec.js';
import { isIPv4, isIPv6 } from './service.js';
import { arr, isObject, obj, str } from './values.js';

function isCIDR(value: string): boolean {
  const [ip, bits, ...rest] = value.split('/');
  if (rest.length || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && Number(bits) <= 128;
}

/** Kubernetes' ValidateNode: taints unique by key and effect, pod CIDRs well formed; and the status's shape (nodeStatus.ts). */
export function validateNode(node: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(node.spec, specPath, errs);
  const seen = new Set<string>();
  arr(spec.taints, specPath.child('taints'), errs).forEach((raw, i) => {
    const p = specPath.child('taints').index(i);
    const taint = obj(raw, p, errs);
    const key = str(taint.key, p.child('key'), errs);
    errs.push(...invalidEach(p.child('key'), key, qualifiedNameErrors(key)));
    const value = str(taint.value, p.child('value'), errs);
    const problems = labelValueErrors(value);
    if (problems.length) errs.push(invalid(p.child('value'), value, problems.join(';')));
    validateTaintEffect(taint.effect, false, p.child('effect'), errs);
    const id = `${key}\u0000${String(taint.effect)}`;
    if (seen.has(id)) {
      const d = duplicate(p, taint);
      errs.push({ ...d, message: `${d.message}: taints must be unique by key and effect pair` });
    }
    seen.add(id);
  });
  const podCIDR = str(spec.podCIDR, specPath.child('podCIDR'), errs);
  if (podCIDR && !isCIDR(podCIDR)) errs.push(invalid(specPath.child('podCIDR'), podCIDR, 'must be a valid CIDR'));
  arr(spec.podCIDRs, specPath.child('podCIDRs'), errs).forEach((c, i) => {
    const cidr = str(c, specPath.child('podCIDRs').index(i), errs);
    if (!isCIDR(cidr)) errs.push(invalid(specPath.child('podCIDRs').index(i), cidr, 'must be a valid CIDR'));
  });
  validateNodeStatus(node.status, errs);
}

/** Pod CIDRs and the provider ID are assigned once: from empty to a value, never changed after. */
export function validateNodeUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const n = isObject(next.spec) ? next.spec : {};
  const o = isObject(prev.spec) ? prev.spec : {};
  const cidrs = (s: Record<string, unknown>) => JSON.stringify(Array.isArray(s.podCIDRs) ? s.podCIDRs : s.podCIDR ? [s.podCIDR] : []);
  if (cidrs(o) !== '[]' && cidrs(n) !== cidrs(o)) {
    errs.push(forbidden(FieldPath.root('spec', 'podCIDRs'), 'node updates may not change podCIDR except from "" to valid'));
  }
  if (o.providerID && n.providerID !== o.providerID) {
    errs.push(forbidden(FieldPath.root('spec', 'providerID'), 'node updates may not change providerID except from "" to valid'));
  }
}
