import type { KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';

function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function rows(items: KubeObject[], cells: (o: KubeObject) => unknown[]): string {
  if (items.length === 0) return '<tr><td colspan="9"><em>none</em></td></tr>';
  return items.map((o) => `<tr>${cells(o).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
}

/**
 * A plain server-rendered overview at `/` (the live status page of the status issue replaces it):
 * what the cluster holds right now, readable from loopback without a token.
 */
export async function renderStatusPage(store: Store): Promise<string> {
  const list = async (group: string, resource: string) => (await store.list({ group, resource })).items;
  const [nodes, deployments, pods, services] = await Promise.all([list('', 'nodes'), list('apps', 'deployments'), list('', 'pods'), list('', 'services')]);
  const st = (o: KubeObject) => (o.status ?? {}) as Record<string, any>;
  const spec = (o: KubeObject) => (o.spec ?? {}) as Record<string, any>;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Skiff</title><style>body{font:14px system-ui,sans-serif;margin:1rem;max-width:70rem}table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd}</style></head><body>
<h1>Skiff</h1>
<h2>Nodes</h2><table><tr><th>Name</th><th>Ready</th><th>CPU</th><th>Memory</th></tr>${rows(nodes, (n) => [n.metadata.name, (st(n).conditions ?? []).find((c: any) => c.type === 'Ready')?.status ?? 'Unknown', st(n).allocatable?.cpu, st(n).allocatable?.memory])}</table>
<h2>Deployments</h2><table><tr><th>Namespace</th><th>Name</th><th>Ready</th><th>Up-to-date</th><th>Available</th></tr>${rows(deployments, (d) => [d.metadata.namespace, d.metadata.name, `${st(d).readyReplicas ?? 0}/${spec(d).replicas ?? 0}`, st(d).updatedReplicas ?? 0, st(d).availableReplicas ?? 0])}</table>
<h2>Pods</h2><table><tr><th>Namespace</th><th>Name</th><th>Phase</th><th>Node</th><th>IP</th></tr>${rows(pods, (p) => [p.metadata.namespace, p.metadata.name, p.metadata.deletionTimestamp ? 'Terminating' : st(p).phase, spec(p).nodeName, st(p).podIP])}</table>
<h2>Services</h2><table><tr><th>Namespace</th><th>Name</th><th>Type</th><th>Cluster IP</th></tr>${rows(services, (s) => [s.metadata.namespace, s.metadata.name, spec(s).type, spec(s).clusterIP])}</table>
</body></html>`;
}
