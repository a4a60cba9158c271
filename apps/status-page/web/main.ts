import './styles.css';
import { ClusterState, type StatusChange, type StatusObject } from './clusterState.js';
import { appTestId, renderApplication, renderEvents, renderNodes, renderWebhooks, type RenderContext } from './render.js';
import { followStatusStream } from './stream.js';
import { appKeyOf } from './viewModel.js';

/**
 * The live status page. Changes from the stream go into the ClusterState at once; the DOM is
 * brought up to date at most once per animation frame, only in the parts the changes touched,
 * and only for the Application cards near the viewport: a card further away is drawn when it
 * scrolls near (so 1,000 Applications cost the first paint a screenful of cards, not 1,000).
 */

const state = new ClusterState();
const open = new Set<string>();
const dirty = { apps: new Set<string>(), allApps: false, nodes: false, events: false, webhooks: false };
let frame = 0;

const $ = (id: string) => document.getElementById(id)!;
const appsEl = $('apps');
const appCards = new Map<string, HTMLElement>();
const lastHtml = new WeakMap<HTMLElement, string>();
/** Cards within a screenful or so of the viewport: drawn as their Application changes. */
const nearView = new Set<string>();
/** Cards away from the viewport whose Application changed since they were last drawn. */
const stale = new Set<string>();
/** Cards drawn with the first snapshot before the observer has placed them: about a screenful. */
const FIRST_CARDS = 8;
const cardObserver = new IntersectionObserver(
  (entries) => {
    for (const e of entries) {
      const key = (e.target as HTMLElement).dataset.key!;
      if (!e.isIntersecting) {
        nearView.delete(key);
        continue;
      }
      nearView.add(key);
      if (stale.delete(key)) dirty.apps.add(key);
    }
    schedule();
  },
  { rootMargin: '100% 0px' },
);

function setHtml(el: HTMLElement, html: string): void {
  if (lastHtml.get(el) === html) return;
  lastHtml.set(el, html);
  el.innerHTML = html;
}

function schedule(): void {
  if (!frame) frame = requestAnimationFrame(flush);
}

function markAll(): void {
  dirty.allApps = dirty.nodes = dirty.events = dirty.webhooks = true;
  schedule();
}

function markObject(o: StatusObject): void {
  switch (o.kind) {
    case 'Node':
      dirty.nodes = true;
      return;
    case 'Event':
      dirty.events = true;
      return;
    case 'Webhook':
      dirty.webhooks = true;
      return;
    case 'Pod':
      dirty.nodes = true;
  }
  const app = appKeyOf(o, state);
  if (app) dirty.apps.add(app);
}

function onChange(change: StatusChange): void {
  // The Application of a deleted or moved object is found from its old state, before applying.
  markObject(change.object);
  const before = state.apply(change);
  if (before) markObject(before);
  if (change.type !== 'DELETED') markObject(change.object);
  // A new or deleted Application adds or removes a card and may claim objects by label.
  if (change.kind === 'Application' && change.type !== 'MODIFIED') dirty.allApps = true;
  schedule();
}

function flush(): void {
  frame = 0;
  const ctx: RenderContext = { now: Date.now(), open };
  if (dirty.allApps) {
    const keys = state
      .list('Application')
      .map((a) => `${a.metadata.namespace}/${a.metadata.name}`)
      .sort();
    const present = new Set(keys);
    // On the first draw the top cards are the ones in view: drawn in this frame, not the next
    // (the observer then corrects nearView as it places every card).
    const firstDraw = appCards.size === 0;
    for (const [key, el] of appCards) {
      if (!present.has(key)) {
        cardObserver.unobserve(el);
        el.remove();
        appCards.delete(key);
        nearView.delete(key);
        stale.delete(key);
      }
    }
    keys.forEach((key, i) => {
      let el = appCards.get(key);
      if (!el) {
        el = document.createElement('article');
        el.className = 'card app';
        el.dataset.testid = appTestId(key);
        el.dataset.key = key;
        appCards.set(key, el);
        cardObserver.observe(el);
        if (firstDraw && i < FIRST_CARDS) nearView.add(key);
      }
      if (appsEl.children[i] !== el) appsEl.insertBefore(el, appsEl.children[i] ?? null);
      dirty.apps.add(key);
    });
    $('apps-empty').hidden = keys.length > 0;
  }
  for (const key of dirty.apps) {
    const el = appCards.get(key);
    if (!el) continue;
    // A new card is drawn once the observer has placed it (the frame after it is added).
    if (nearView.has(key)) setHtml(el, renderApplication(key, state, ctx));
    else stale.add(key);
  }
  if (dirty.nodes) setHtml($('nodes'), renderNodes(state));
  if (dirty.events) setHtml($('events'), renderEvents(state, ctx));
  if (dirty.webhooks) setHtml($('webhooks'), renderWebhooks(state, ctx));
  dirty.apps.clear();
  dirty.allApps = dirty.nodes = dirty.events = dirty.webhooks = false;
  $('counts').textContent = `${state.count('Application')} apps · ${state.count('Pod')} pods · ${state.count('Node')} nodes`;
}

// <details> the user opened stay open when their part is re-rendered.
document.addEventListener(
  'toggle',
  (e) => {
    const key = (e.target as HTMLElement).dataset?.open;
    if (!key) return;
    if ((e.target as HTMLDetailsElement).open) open.add(key);
    else open.delete(key);
  },
  true,
);

// Relative times ("3m ago") move on without any data changing.
setInterval(markAll, 30_000);

const token = new URLSearchParams(location.search).get('token');
followStatusStream(`status/stream${token ? `?token=${encodeURIComponent(token)}` : ''}`, {
  snapshot(items) {
    state.reset(items);
    markAll();
    // Drawn now, not at the next animation frame: the first paint waits on nothing else.
    cancelAnimationFrame(frame);
    flush();
  },
  change: onChange,
  connection(s, detail) {
    const el = $('connection');
    el.className = `conn ${s}`;
    el.dataset.state = s;
    el.textContent = s === 'live' ? 'live' : s === 'connecting' ? 'connecting…' : `offline${detail ? ` · ${detail}` : ''}`;
  },
});
