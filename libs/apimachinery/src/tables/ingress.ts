import { AGE, ageOf, column, NAME, nameOf, type Printer } from './columns.js';
import { listAt, objectAt, text, type Json } from './format.js';

// kubectl's Ingress and IngressClass columns (pkg/printers/internalversion printIngress, printIngressClass).

/** kubectl's loadBalancerWidth: a narrow ADDRESS column is cut to 13 characters and "...". */
const LOAD_BALANCER_WIDTH = 16;

/** The first three rule hosts (`*` when no rule has one), then "+ N more...". */
export function formatIngressHosts(rules: Json[]): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === max) more = true;
    if (!more && text(rule.host)) list.push(text(rule.host));
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - max} more...` : list.join(',');
}

/** The load balancer's IPs and hostnames, comma-separated; cut unless wide. */
export function formatIngressAddress(ingress: Json, wide: boolean): string {
  const list = listAt(ingress, 'status', 'loadBalancer', 'ingress').flatMap((i) => (text(i.ip) ? [text(i.ip)] : text(i.hostname) ? [text(i.hostname)] : []));
  const joined = list.join(',');
  return !wide && joined.length > LOAD_BALANCER_WIDTH ? `${joined.slice(0, LOAD_BALANCER_WIDTH - 3)}...` : joined;
}

export const ingressPrinter: Printer = {
  columns: [
    NAME,
    column('Class', 'string', 'The name of the IngressClass resource that should be used'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE,
  ],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    return {
      cells: [nameOf(o), text(spec.ingressClassName) || '<none>', formatIngressHosts(listAt(spec, 'rules')), formatIngressAddress(o, false), listAt(spec, 'tls').length > 0 ? '80, 443' : '80', ageOf(o, now)],
    };
  },
};

export const ingressClassPrinter: Printer = {
  columns: [NAME, column('Controller', 'string', 'Controller that is responsible for handling this class'), column('Parameters', 'string', 'A reference to a resource with additional parameters'), AGE],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    let parameters = '<none>';
    if (spec.parameters !== undefined && spec.parameters !== null) {
      const p = objectAt(spec, 'parameters');
      parameters = `${text(p.kind)}${p.apiGroup !== undefined ? `.${text(p.apiGroup)}` : ''}/${text(p.name)}`;
    }
    return { cells: [nameOf(o), text(spec.controller), parameters, ageOf(o, now)] };
  },
};
