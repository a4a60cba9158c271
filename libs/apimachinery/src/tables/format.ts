/**
 * The text helpers behind `kubectl get` columns: Kubernetes' duration.HumanDuration, label and
 * selector formatting, endpoint lists.
 */

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function objectAt(o: unknown, ...path: string[]): Json {
  let cur: unknown = o;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return isObject(cur) ? cur : {};
}

export function listAt(o: unknown, ...path: string[]): Json[] {
  let cur: unknown = o;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return Array.isArray(cur) ? cur.filter(isObject) : [];
}

export function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Kubernetes' duration.HumanDuration: about two significant figures.
 * 0-119s → "45s"; under 10m → "3m20s"; under 3h → "95m"; under 8h → "5h30m"; under 2d → "30h";
 * under 8d → "2d3h"; under 2y → "400d"; under 8y → "3y20d"; then "9y". Up to 2s in the future
 * (clock skew) reads "0s"; further is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = Math.trunc(ms / SECOND) % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = Math.trunc(ms / MINUTE) % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** How long ago an RFC 3339 timestamp was, or "<unknown>" when there is none. */
export function since(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || !timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** labels.FormatLabels: `a=b,c=d` sorted by key, "<none>" when empty. */
export function formatLabels(labels: unknown): string {
  if (!isObject(labels)) return '<none>';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${text(labels[k])}`).join(',');
}

/**
 * A label selector in Kubernetes' string form (labels.Selector.String()): requirements sorted by
 * key, `k=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`; '' for a selector that selects everything.
 */
export function labelSelectorString(selector: unknown): string {
  if (!isObject(selector)) return '';
  const reqs: { key: string; text: string }[] = [];
  if (isObject(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) reqs.push({ key: k, text: `${k}=${text(v)}` });
  }
  for (const expr of listAt(selector, 'matchExpressions')) {
    const key = text(expr.key);
    const values = (Array.isArray(expr.values) ? expr.values.map(text) : []).sort();
    switch (expr.operator) {
      case 'In':
        reqs.push({ key, text: `${key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        reqs.push({ key, text: `${key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        reqs.push({ key, text: `!${key}` });
        break;
    }
  }
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: the selector string, "<none>" when it selects everything. */
export function formatLabelSelector(selector: unknown): string {
  return labelSelectorString(selector) || '<none>';
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Up to three `ip:port` endpoints, then " + N more...":
 * 3 addresses × 2 ports = 6 endpoints → "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...".
 */
export function formatEndpoints(subsets: Json[]): string {
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = listAt(ss, 'addresses');
    const ports = listAt(ss, 'ports');
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(text(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(text(a.ip), num(port.port)));
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}
