import { AGE, ageOf, column, NAME, nameOf, type Printer } from './columns.js';
import { listAt, text, type Json } from './format.js';

// kubectl's EndpointSlice columns (pkg/printers/internalversion printEndpointSlice).

/** kubectl's listWithMoreString: the first three, "+ N more...", or `<unset>` for none. */
function listWithMore(list: string[], count: number, max: number): string {
  const joined = list.join(',');
  if (count > max) return `${joined} + ${count - max} more...`;
  return joined || '<unset>';
}

/** Port numbers (a port without one shows its name, or `*`), the first three. */
export function formatDiscoveryPorts(ports: Json[]): string {
  const list = ports.slice(0, 3).map((p) => (typeof p.port === 'number' ? String(p.port) : typeof p.name === 'string' ? p.name : '*'));
  return listWithMore(list, ports.length, 3);
}

/** Every endpoint's addresses, the first three. */
export function formatDiscoveryEndpoints(endpoints: Json[]): string {
  const addresses = endpoints.flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(text) : []));
  return listWithMore(addresses.slice(0, 3), addresses.length, 3);
}

export const endpointSlicePrinter: Printer = {
  columns: [
    NAME,
    column('AddressType', 'string', 'The IP protocol for this slice'),
    column('Ports', 'string', 'The ports for this slice'),
    column('Endpoints', 'string', 'The addresses of endpoints on this slice'),
    AGE,
  ],
  cells: (o, now) => ({ cells: [nameOf(o), text(o.addressType), formatDiscoveryPorts(listAt(o, 'ports')), formatDiscoveryEndpoints(listAt(o, 'endpoints')), ageOf(o, now)] }),
};
