import type { ClusterState } from './clusterState.js';
import {
  age,
  applicationView,
  eventsView,
  formatBytes,
  formatCpu,
  nodeView,
  podsByNode,
  resourceTree,
  webhookView,
  type ApplicationView,
  type DeploymentView,
  type HistoryEntry,
  type ReplicaSetView,
  type ResourceTree,
} from './viewModel.js';

/**
 * HTML for each part of the page, as strings from the view models. The page swaps a part's
 * innerHTML only when its string changed, so an unchanged part costs no DOM work. Every string
 * from an object goes through `esc` (objects are written by users and node agents); what is not
 * escaped is markup built here or a number the view model made sure of (`countOf`).
 */

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** DOM ids cannot hold '/'; test ids follow `app-<ns>-<name>`. */
export function appTestId(key: string): string {
  return `app-${key.replace('/', '-')}`;
}

export interface RenderContext {
  now: number;
  /** `data-open` keys of <details> the user opened, kept open across re-renders. */
  open: ReadonlySet<string>;
}

function details(ctx: RenderContext, key: string, summary: string, body: string, testId?: string): string {
  return `<details data-open="${esc(key)}"${ctx.open.has(key) ? ' open' : ''}${testId ? ` data-testid="${esc(testId)}"` : ''}><summary>${summary}</summary>${body}</details>`;
}

function badge(kind: 'sync' | 'health' | 'phase', value: string, testId?: string): string {
  return `<span class="badge ${kind}-${esc(value)}"${testId ? ` data-testid="${esc(testId)}"` : ''}>${esc(value)}</span>`;
}

function time(iso: string | undefined, ctx: RenderContext): string {
  if (!iso) return '';
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(age(iso, ctx.now))} ago</time>`;
}

// ---- Applications ----------------------------------------------------------------------------

export function renderApplication(appKey: string, state: ClusterState, ctx: RenderContext): string {
  const app = state.get('Application', appKey.split('/')[0], appKey.split('/')[1]);
  if (!app) return '';
  const view = applicationView(app);
  const tree = resourceTree(appKey, state);
  return `<header class="app-head">
  <h3>${esc(view.name)} <small>${esc(view.namespace)}</small></h3>
  <div class="badges">${badge('sync', view.sync, 'app-sync')}${badge('health', view.health, 'app-health')}</div>
</header>
${renderCommit(view, ctx)}
${view.healthMessage && view.health !== 'Healthy' ? `<p class="msg">${esc(view.healthMessage)}</p>` : ''}
${view.operation && view.operation.phase !== 'Succeeded' && view.operation.message ? `<p class="msg">${esc(view.operation.phase)}: ${esc(view.operation.message)}</p>` : ''}
${renderRollouts(tree)}
${renderTree(appKey, tree, ctx)}
${view.history.length ? details(ctx, `${appKey}:history`, `Deploy history (${view.history.length})`, `<ol class="history">${view.history.map((h) => renderHistory(appKey, h, ctx)).join('')}</ol>`, 'app-history') : ''}
<p class="source">${esc(view.repo)}${view.path ? ` · ${esc(view.path)}` : ''}</p>`;
}

function renderCommit(view: ApplicationView, ctx: RenderContext): string {
  const c = view.commit;
  return `<div class="commit"><code data-testid="app-revision" title="${esc(view.revision)}">${esc(view.shortRevision || '—')}</code>
  <span class="commit-msg" data-testid="app-commit-message">${esc(c?.message ?? '')}</span>
  <span class="commit-meta">${c?.author ? esc(c.author.replace(/\s*<.*>$/, '')) : ''}${c?.deployedAt ? ` · ${time(c.deployedAt, ctx)}` : ''}</span></div>`;
}

function renderHistory(appKey: string, h: HistoryEntry, ctx: RenderContext): string {
  const changes = h.changes ? details(ctx, `${appKey}:changes:${h.revision}`, 'changes', `<pre class="diff">${h.changes.split('\n').map(diffLine).join('\n')}</pre>`, `changes-${h.shortRevision}`) : '';
  return `<li${h.live ? ' class="live"' : ''}><code>${esc(h.shortRevision)}</code> ${esc(h.message)} <span class="commit-meta">${esc(h.author.replace(/\s*<.*>$/, ''))}${h.deployedAt ? ` · ${time(h.deployedAt, ctx)}` : ''}</span>${h.live ? ' <span class="badge live">live</span>' : ''}${changes}</li>`;
}

/** One line of a unified diff, escaped, marked as added, removed or a hunk header for colour. */
function diffLine(line: string): string {
  const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : '';
  return kind ? `<span class="${kind}">${esc(line)}</span>` : esc(line);
}

function renderRollouts(tree: ResourceTree): string {
  const rolling = tree.deployments.filter((d) => d.rollout.inProgress);
  if (rolling.length === 0) return '';
  return `<div class="rollouts" data-testid="app-rollout">${rolling
    .map((d) => {
      const r = d.rollout;
      return `<div class="rollout"><div class="rollout-text">Rolling out <b>${esc(d.name)}</b>: ${r.newReady}/${r.desired} new ready${r.oldReplicas ? `, ${r.oldReplicas} old (${r.oldReady} ready)` : ''}</div><div class="bar" role="progressbar" aria-valuenow="${r.percent}" aria-valuemin="0" aria-valuemax="100"><span style="width:${r.percent}%"></span></div></div>`;
    })
    .join('')}</div>`;
}

function renderTree(appKey: string, tree: ResourceTree, ctx: RenderContext): string {
  const parts: string[] = [];
  for (const d of tree.deployments) parts.push(renderDeployment(appKey, d, ctx));
  if (tree.services.length) {
    parts.push(`<ul class="leaf">${tree.services
      .map((s) => `<li data-testid="service-${esc(s.name)}"><span class="kind">svc</span> <b>${esc(s.name)}</b> <code>${esc(s.clusterIP || 'None')}</code> <span class="dim">${esc(s.ports)}</span> <span class="eps ${s.readyEndpoints ? 'ok' : 'bad'}">${s.readyEndpoints} ready${s.notReadyEndpoints ? `, ${s.notReadyEndpoints} not ready` : ''}</span></li>`)
      .join('')}</ul>`);
  }
  if (tree.configMaps.length || tree.others.length) {
    parts.push(`<ul class="leaf">${[
      ...tree.configMaps.map((c) => `<li><span class="kind">cm</span> ${esc(c.name)}</li>`),
      ...tree.others.map((o) => `<li data-testid="resource-${esc(o.kind.toLowerCase())}-${esc(o.name)}"><span class="kind">${esc(o.kind.toLowerCase())}</span> ${esc(o.name)}${o.health ? ` <span class="${o.health === 'Healthy' ? 'ok' : o.health === 'Degraded' || o.health === 'Missing' ? 'bad' : 'warn'}">${esc(o.health)}</span>` : ''}${o.sync === 'OutOfSync' ? ' <span class="warn">OutOfSync</span>' : ''}</li>`),
    ].join('')}</ul>`);
  }
  return `<div class="tree" data-testid="app-tree">${parts.join('') || '<p class="dim">no resources yet</p>'}</div>`;
}

function renderDeployment(appKey: string, d: DeploymentView, ctx: RenderContext): string {
  const r = d.rollout;
  return `<div class="deploy" data-testid="deployment-${esc(d.name)}">
  <div class="row"><span class="kind">deploy</span> <b>${esc(d.name)}</b> <span class="${r.inProgress ? 'warn' : 'ok'}">${r.newReady}/${r.desired} ready</span> <span class="dim img">${esc(d.images.join(', '))}</span></div>
  ${d.replicaSets.map((rs) => renderReplicaSet(appKey, rs, ctx)).join('')}
  ${d.idleReplicaSets ? `<div class="dim rs">${d.idleReplicaSets} older ReplicaSet${d.idleReplicaSets === 1 ? '' : 's'} at 0</div>` : ''}
</div>`;
}

function renderReplicaSet(appKey: string, rs: ReplicaSetView, ctx: RenderContext): string {
  const phases = Object.entries(rs.phases)
    .map(([p, n]) => `${badge('phase', p)}${n > 1 ? `×${n}` : ''}`)
    .join(' ');
  const summary = `<span class="kind">rs</span> ${esc(rs.name)} <span class="dim">rev ${esc(rs.revision)}${rs.isNew ? ' · new' : ' · old'}</span> <span>${rs.ready}/${rs.desired}</span> ${phases}`;
  const pods = `<ul class="pods">${rs.pods
    .map((p) => `<li><span class="pod-name">${esc(p.name)}</span> ${badge('phase', p.phase)} <span class="${p.isReady ? 'ok' : 'warn'}">${esc(p.ready)}</span>${p.restarts ? ` <span class="warn">${p.restarts} restarts</span>` : ''} <span class="dim">${esc(p.node)} ${esc(p.ip)}</span></li>`)
    .join('')}${rs.hiddenPods ? `<li class="dim">… and ${rs.hiddenPods} more pods</li>` : ''}</ul>`;
  return `<div class="rs" data-testid="replicaset-${esc(rs.name)}">${details(ctx, `${appKey}:rs:${rs.name}`, summary, pods)}</div>`;
}

// ---- nodes, events, webhooks ----------------------------------------------------------------

function meter(used: number, total: number, label: string): string {
  const pct = total > 0 ? Math.min(100, Math.round((100 * used) / total)) : 0;
  return `<div class="meter"><span class="dim">${label}</span><div class="bar${pct > 90 ? ' hot' : ''}"><span style="width:${pct}%"></span></div></div>`;
}

export function renderNodes(state: ClusterState): string {
  const byNode = podsByNode(state.list('Pod'));
  const nodes = state.list('Node').sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  if (nodes.length === 0) return '<p class="dim">no nodes</p>';
  return `<div class="nodes">${nodes
    .map((n) => {
      const v = nodeView(n, byNode.get(n.metadata.name) ?? []);
      return `<div class="node card" data-testid="node-${esc(v.name)}"><div class="row"><b>${esc(v.name)}</b> <span class="badge health-${v.ready === 'Ready' ? 'Healthy' : 'Degraded'}" data-testid="node-ready">${esc(v.ready)}</span>${v.unschedulable ? ' <span class="warn">cordoned</span>' : ''}</div>
${meter(v.cpu.requested, v.cpu.allocatable, `cpu ${formatCpu(v.cpu.requested)} / ${formatCpu(v.cpu.allocatable)}`)}
${meter(v.memory.requested, v.memory.allocatable, `memory ${formatBytes(v.memory.requested)} / ${formatBytes(v.memory.allocatable)}`)}
<div class="dim">${v.pods} pods${v.podCapacity ? ` of ${v.podCapacity}` : ''}${v.runtime ? ` <span data-testid="node-runtime">${esc(v.runtime)}</span>` : ''}</div></div>`;
    })
    .join('')}</div>`;
}

/** Events shown open; the rest of the ~100 kept sit in a collapsed list. */
const EVENTS_SHOWN = 15;

export function renderEvents(state: ClusterState, ctx: RenderContext): string {
  const total = state.count('Event');
  const events = eventsView(state.list('Event'));
  if (events.length === 0) return '<p class="dim">no events</p>';
  const item = (e: (typeof events)[number]) =>
    `<li class="${e.type === 'Warning' ? 'warning' : ''}"><span class="ev-head">${e.type === 'Warning' ? '<b class="warn">Warning</b> ' : ''}<b>${esc(e.reason)}</b> <span class="dim">${esc(e.object)}${e.count > 1 ? ` ×${e.count}` : ''} · ${time(e.time, ctx)}</span></span> <span class="ev-msg">${esc(e.message)}</span></li>`;
  const first = events.slice(0, EVENTS_SHOWN).map(item).join('');
  const rest = events.slice(EVENTS_SHOWN);
  return `<ul class="events">${first}</ul>${rest.length ? details(ctx, 'events:more', `${rest.length} more events`, `<ul class="events">${rest.map(item).join('')}</ul>`) : ''}${total > events.length ? `<p class="dim">the newest ${events.length} of ${total} events</p>` : ''}`;
}

export function renderWebhooks(state: ClusterState, ctx: RenderContext): string {
  const hooks = state.list('Webhook').map(webhookView);
  if (hooks.length === 0) return '<p class="dim">no webhooks</p>';
  return hooks
    .map((w) => {
      const last = w.last;
      const recent = w.recent.length
        ? details(ctx, `webhook:${w.key}`, `Recent deliveries (${w.recent.length})`, `<ul>${w.recent.map((d) => `<li><span class="${d.ok ? 'ok' : 'bad'}">${esc(d.result)}</span> ${esc(d.event)} ${time(d.time, ctx)}</li>`).join('')}</ul>`)
        : '';
      return `<div class="card webhook" data-testid="webhook-${esc(w.name)}"><div class="row"><b>${esc(w.name)}</b> <span class="dim url">${esc(w.url)}</span></div>
<div>${last ? `last: <span class="${last.ok ? 'ok' : 'bad'}">${esc(last.result)}</span> ${esc(last.event)} ${time(last.time, ctx)}` : '<span class="dim">no deliveries yet</span>'}${w.failures ? ` · <span class="bad">${w.failures} failing</span>` : ''}</div>${recent}</div>`;
    })
    .join('');
}
