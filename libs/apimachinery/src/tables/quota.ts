import { canonicalQuantity } from '../exactQuantity.js';
import { objectAt, text, type Json } from './format.js';

/**
 * A ResourceQuota's REQUEST and LIMIT cells: `used/hard` per resource of status.hard in name
 * order, `limits.*` names in LIMIT, all others in REQUEST ("pods: 1/2, requests.cpu: 500m/1").
 */
export function quotaUsageCells(rq: Json): [string, string] {
  const hard = objectAt(rq, 'status', 'hard');
  const used = objectAt(rq, 'status', 'used');
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const cell = `${name}: ${canonicalQuantity(used[name] ?? '0')}/${canonicalQuantity(hard[name])}`;
    (name.split('.')[0] === 'limits' && name.includes('.') ? limit : request).push(cell);
  }
  return [request.join(', '), limit.join(', ')];
}

/** LimitRange's CREATED AT shows the timestamp itself, not an age. */
export function createdAtCell(o: Json): string {
  return text(objectAt(o, 'metadata').creationTimestamp);
}
