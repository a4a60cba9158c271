import { goQuote } from '@skiff/apimachinery';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { nonResourceUrlMatches, type UserInfo } from './rules.js';

/** One verb on one thing: what BreakdownRule splits a rule into before each piece is checked. */
interface AtomicRule {
  verb: string;
  apiGroup?: string;
  resource?: string;
  resourceName?: string;
  nonResourceURL?: string;
}

/**
 * Escalation is checked before validation (as in Kubernetes' storage), so a rule may still be
 * malformed here: what is not a list of strings grants nothing, and validation refuses it next.
 */
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The rules of a Role or ClusterRole body, as far as they are rules. */
export function rulesOf(value: unknown): PolicyRule[] {
  return Array.isArray(value) ? value.filter((r): r is PolicyRule => !!r && typeof r === 'object') : [];
}

function breakdown(rule: PolicyRule): AtomicRule[] {
  const out: AtomicRule[] = [];
  for (const verb of strings(rule.verbs)) {
    for (const apiGroup of strings(rule.apiGroups)) {
      for (const resource of strings(rule.resources)) {
        const names = strings(rule.resourceNames);
        for (const resourceName of names.length ? names : [undefined]) out.push({ verb, apiGroup, resource, resourceName });
      }
    }
    for (const nonResourceURL of strings(rule.nonResourceURLs)) out.push({ verb, nonResourceURL });
  }
  return out;
}

const holds = (list: readonly string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

/** resourceCoversAll: `*`, the same resource, or `*\/sub` for any `x/sub`. */
function resourceCovered(owner: readonly string[] | undefined, resource: string): boolean {
  if (holds(owner, resource)) return true;
  return (owner ?? []).some((r) => r.startsWith('*/') && resource.endsWith(r.slice(1)));
}

function covers(owner: PolicyRule, piece: AtomicRule): boolean {
  if (!holds(owner.verbs, piece.verb)) return false;
  if (piece.nonResourceURL !== undefined) return nonResourceUrlMatches(owner.nonResourceURLs, piece.nonResourceURL);
  if (!holds(owner.apiGroups, piece.apiGroup!) || !resourceCovered(owner.resources, piece.resource!)) return false;
  const names = owner.resourceNames ?? [];
  return names.length === 0 || (piece.resourceName !== undefined && names.includes(piece.resourceName));
}

const quoted = (values: string[]) => `[${values.map(goQuote).join(' ')}]`;

/** CompactString of a one-verb rule: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}`. */
function describe(piece: AtomicRule): string {
  const parts: string[] = [];
  if (piece.apiGroup !== undefined) parts.push(`APIGroups:${quoted([piece.apiGroup])}`);
  if (piece.resource !== undefined) parts.push(`Resources:${quoted([piece.resource])}`);
  if (piece.resourceName !== undefined) parts.push(`ResourceNames:${quoted([piece.resourceName])}`);
  if (piece.nonResourceURL !== undefined) parts.push(`NonResourceURLs:${quoted([piece.nonResourceURL])}`);
  parts.push(`Verbs:${quoted([piece.verb])}`);
  return `{${parts.join(', ')}}`;
}

/** The pieces of `requested` no rule of `owner` covers, described as Kubernetes lists them (sorted, once each). */
export function uncoveredRules(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): string[] {
  const missing = new Set<string>();
  for (const rule of requested) {
    for (const piece of breakdown(rule)) {
      if (!owner.some((o) => covers(o, piece))) missing.add(describe(piece));
    }
  }
  return [...missing].sort();
}

/** ConfirmNoEscalation's reason, or undefined when `owner` holds everything `requested` grants. */
export function escalationReason(user: UserInfo, owner: readonly PolicyRule[], requested: readonly PolicyRule[]): string | undefined {
  const missing = uncoveredRules(owner, requested);
  if (missing.length === 0) return undefined;
  return `user ${goQuote(user.name)} (groups=${quoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.join('\n')}`;
}
