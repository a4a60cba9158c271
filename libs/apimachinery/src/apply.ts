import { ApplyConflictError, type StatusCause } from './errors.js';
import { deepCopy } from './deepCopy.js';
import { deepEqual } from './deepEqual.js';
import { applyStrategicMergePatch, isPlainObject } from './patch.js';
import type { PatchSchema } from './patchSchema.js';
import type { KubeObject, ManagedFieldsEntry } from './types.js';

/**
 * Server-side apply and field ownership (metadata.managedFields, FieldsV1).
 *
 * A field path is a list of FieldsV1 elements: `f:<field>` for a map key, `k:{"name":"web"}` for
 * the element of a keyed list, `v:"x"` for a member of a set-like primitive list. Ownership is
 * tracked on leaves; a list replaced whole (no merge key) is one leaf.
 */
type Path = string[];

/** Fields the server maintains: never owned, never applied. */
const IGNORED_TOP = new Set(['apiVersion', 'kind']);
const IGNORED_META = new Set(['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'name', 'namespace', 'generateName']);

function schemaPath(names: string[]): string {
  return names.join('.');
}

/**
 * Walks the owned fields of `obj`: `leaf` for each owned leaf (what fieldPaths lists), `node` for
 * every path on the way, each with its value (what valueAt would find there) and its `key(path)`,
 * built as the walk goes down rather than by encoding each whole path again.
 */
function walkFields(obj: KubeObject, schema: PatchSchema, leaf: (path: Path, value: unknown, k: string) => void, node: (path: Path, value: unknown, k: string) => void = () => {}): void {
  // `inner` is key(path) without its brackets.
  const walk = (value: unknown, path: Path, names: string[], inner: string) => {
    if (path.length > 0) node(path, value, `[${inner}]`);
    if (isPlainObject(value)) {
      const entries = Object.entries(value).filter(([k, v]) => {
        if (v === undefined) return false;
        if (names.length === 0 && IGNORED_TOP.has(k)) return false;
        if (names.length === 1 && names[0] === 'metadata' && IGNORED_META.has(k)) return false;
        return true;
      });
      if (entries.length === 0) {
        // `{}` itself is a value someone set; a map whose keys are all server-managed is not.
        if (path.length > 0 && Object.keys(value).length === 0) leaf(path, value, `[${inner}]`);
        return;
      }
      for (const [k, v] of entries) walk(v, [...path, `f:${k}`], [...names, k], childKey(inner, `f:${k}`));
      return;
    }
    if (Array.isArray(value)) {
      const meta = schema.list(schemaPath(names));
      if (meta?.mergeKey) {
        for (const el of value) {
          if (!isPlainObject(el)) continue;
          const step = `k:${JSON.stringify({ [meta.mergeKey]: el[meta.mergeKey] })}`;
          const elPath = [...path, step];
          const elInner = childKey(inner, step);
          const dot = `[${childKey(elInner, '.')}]`;
          node([...elPath, '.'], el, dot);
          leaf([...elPath, '.'], el, dot);
          walk(el, elPath, [...names.slice(0, -1), `${names[names.length - 1]}[]`], elInner);
        }
        return;
      }
      if (meta?.strategy === 'merge') {
        for (const el of value) {
          const step = `v:${JSON.stringify(el)}`;
          const elPath = [...path, step];
          const elKey = `[${childKey(inner, step)}]`;
          node(elPath, el, elKey);
          leaf(elPath, el, elKey);
        }
        return;
      }
    }
    leaf(path, value, `[${inner}]`);
  };
  walk(obj, [], [], '');
}

/** key() of a path one step longer, from its parent's key without brackets. */
function childKey(inner: string, step: string): string {
  return inner === '' ? JSON.stringify(step) : `${inner},${JSON.stringify(step)}`;
}

/** Every owned leaf of `obj`, as FieldsV1 paths. */
export function fieldPaths(obj: KubeObject, schema: PatchSchema): Path[] {
  const out: Path[] = [];
  walkFields(obj, schema, (path) => out.push(path));
  return out;
}

interface KeyedPath {
  path: Path;
  key: string;
}

/**
 * One walk of `obj`: its owned leaves with their keys (fieldPaths), and the value at every path on
 * the way by key (valueAt for all of them at once: valueAt searches a keyed list for each element,
 * quadratic for a long list). The first of two elements with one merge key wins, as in valueAt.
 */
function ownedFields(obj: KubeObject, schema: PatchSchema): { leaves: KeyedPath[]; values: Map<string, unknown> } {
  const leaves: KeyedPath[] = [];
  const values = new Map<string, unknown>();
  const record = (_path: Path, value: unknown, k: string) => {
    if (!values.has(k)) values.set(k, value);
  };
  walkFields(obj, schema, (path, value, k) => {
    leaves.push({ path, key: k });
    record(path, value, k);
  }, record);
  return { leaves, values };
}

function valuesByPath(obj: KubeObject, schema: PatchSchema): Map<string, unknown> {
  return ownedFields(obj, schema).values;
}

/** The value at a FieldsV1 path, or undefined. */
function valueAt(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const el of path) {
    if (el === '.') return cur;
    if (el.startsWith('f:')) {
      if (!isPlainObject(cur)) return undefined;
      cur = cur[el.slice(2)];
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
      cur = cur.find((e) => isPlainObject(e) && Object.entries(key).every(([k, v]) => deepEqual(e[k], v)));
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(cur)) return undefined;
      const v = JSON.parse(el.slice(2));
      cur = cur.find((e) => deepEqual(e, v));
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the leaf at `path` (an element for `k:`/`v:` ends); returns whether anything changed. */
function removeAt(obj: Record<string, unknown>, path: Path): void {
  const parents: unknown[] = [obj];
  let cur: unknown = obj;
  const last = path[path.length - 1] === '.' ? path.length - 1 : path.length;
  const steps = path.slice(0, last);
  for (const el of steps.slice(0, -1)) {
    cur = valueAt(cur, [el]);
    if (cur === undefined) return;
    parents.push(cur);
  }
  const leaf = steps[steps.length - 1];
  if (leaf === undefined) return;
  if (leaf.startsWith('f:') && isPlainObject(cur)) delete cur[leaf.slice(2)];
  else if ((leaf.startsWith('k:') || leaf.startsWith('v:')) && Array.isArray(cur)) {
    const target = valueAt(cur, [leaf]);
    const idx = cur.indexOf(target);
    if (idx >= 0) cur.splice(idx, 1);
  }
}

const key = (p: Path) => JSON.stringify(p);

/**
 * Whether applying `applied` changes the live value at `p`: what conflicts with another manager.
 * Setting a field to the value it already has makes it shared, not a conflict; a list element or a
 * map that already exists is not changed by being named (its own fields carry the values).
 */
function changesValue(live: Map<string, unknown>, applied: Map<string, unknown>, p: Path): boolean {
  if (p[p.length - 1] === '.') return false;
  const before = live.get(key(p));
  if (before === undefined) return false;
  const after = applied.get(key(p));
  if (isPlainObject(before) && isPlainObject(after)) return false;
  return !deepEqual(before, after);
}

/** A FieldsV1 path as structured-merge-diff prints it: `.spec.containers[name="web"].image`. */
export function fieldPathString(p: Path): string {
  return p
    .filter((el) => el !== '.')
    .map((el) => {
      if (el.startsWith('f:')) return `.${el.slice(2)}`;
      if (el.startsWith('v:')) return `[=${el.slice(2)}]`;
      const fields = JSON.parse(el.slice(2)) as Record<string, unknown>;
      return `[${Object.keys(fields).sort().map((k) => `${k}=${JSON.stringify(fields[k])}`).join(',')}]`;
    })
    .join('');
}

/** How Kubernetes names a manager in a conflict: `"kubectl"`, or `"kube-controller-manager" using apps/v1` for an Update. */
function printManager(e: ManagedFieldsEntry): string {
  let name = JSON.stringify(e.manager);
  if (e.subresource) name += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${name} using ${e.apiVersion}` : name;
}

/** The 409 of a refused apply, worded as kube-apiserver words it (one conflict inline; more grouped by manager). */
function applyConflict(found: { manager: ManagedFieldsEntry; path: Path }[]): ApplyConflictError {
  const conflicts = found.map((c) => ({ ...c, name: printManager(c.manager) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const causes: StatusCause[] = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: fieldPathString(c.path) }));
  if (conflicts.length === 1) return new ApplyConflictError(`Apply failed with 1 conflict: ${causes[0].message}: ${causes[0].field}`, causes);
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.name, [...(byManager.get(c.name) ?? []), fieldPathString(c.path)]);
  const lines = [...byManager.keys()].flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((f) => `- ${f}`)]);
  return new ApplyConflictError(`Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`, causes);
}

export function toFieldsV1(paths: Path[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let node = root;
    for (const el of p) {
      node[el] ??= {};
      node = node[el] as Record<string, unknown>;
    }
  }
  return root;
}

export function fromFieldsV1(fields: Record<string, unknown> | undefined): Path[] {
  const out: Path[] = [];
  const walk = (node: Record<string, unknown>, path: Path) => {
    const children = Object.entries(node);
    if (children.length === 0) {
      if (path.length) out.push(path);
      return;
    }
    for (const [k, v] of children) walk(isPlainObject(v) ? v : {}, [...path, k]);
  };
  walk(fields ?? {}, []);
  return out;
}

function entryPaths(e: ManagedFieldsEntry): Path[] {
  return fromFieldsV1(e.fieldsV1);
}

/** keyedEntryPaths by FieldsV1 object: an entry no write changed keeps its object from write to write. */
const entryPathsCache = new WeakMap<object, KeyedPath[]>();

/** An entry's paths with their keys, built as the walk goes down (as walkFields does). Shared: never change them. */
function keyedEntryPaths(e: ManagedFieldsEntry): KeyedPath[] {
  const fields = e.fieldsV1;
  const cached = fields && entryPathsCache.get(fields);
  if (cached) return cached;
  const out: KeyedPath[] = [];
  const walk = (node: Record<string, unknown>, path: Path, inner: string) => {
    const children = Object.entries(node);
    if (children.length === 0) {
      if (path.length) out.push({ path, key: `[${inner}]` });
      return;
    }
    for (const [k, v] of children) walk(isPlainObject(v) ? v : {}, [...path, k], childKey(inner, k));
  };
  walk(fields ?? {}, [], '');
  if (fields) entryPathsCache.set(fields, out);
  return out;
}

function withEntry(entries: ManagedFieldsEntry[], entry: ManagedFieldsEntry): ManagedFieldsEntry[] {
  const rest = entries.filter((e) => !(e.manager === entry.manager && e.operation === entry.operation && (e.subresource ?? '') === (entry.subresource ?? '')));
  return Object.keys(entry.fieldsV1).length ? [...rest, entry] : rest;
}

function dropPaths(entries: ManagedFieldsEntry[], drop: Set<string>, except: (e: ManagedFieldsEntry) => boolean): ManagedFieldsEntry[] {
  return entries
    .map((e) => (except(e) ? e : { ...e, fieldsV1: toFieldsV1(entryPaths(e).filter((p) => !drop.has(key(p)))) }))
    .filter((e) => Object.keys(e.fieldsV1).length > 0);
}

/**
 * Applies `applied` (a partial object: the manager's whole intent) to `live`: conflicts with other
 * managers' fields are a 409 unless `force`; fields this manager applied before and has now left
 * out are removed unless someone else also owns them.
 */
export function applyServerSideApply(live: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, schema: PatchSchema, now: string): KubeObject {
  const base: KubeObject = live ? deepCopy(live) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: {} };
  const entries = (base.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const mine = (e: ManagedFieldsEntry) => e.manager === manager && e.operation === 'Apply';
  const appliedPaths = fieldPaths(applied, schema);
  const appliedSet = new Set(appliedPaths.map(key));

  const conflicts: { manager: ManagedFieldsEntry; path: Path }[] = [];
  const stolen = new Set<string>();
  const liveValues = valuesByPath(base, schema);
  const appliedValues = valuesByPath(applied, schema);
  const others = entries.filter((e) => !mine(e)).map((e) => ({ e, owned: new Set(entryPaths(e).map(key)) }));
  for (const p of appliedPaths) {
    if (!changesValue(liveValues, appliedValues, p)) continue;
    for (const { e, owned } of others) {
      if (!owned.has(key(p))) continue;
      if (force) stolen.add(key(p));
      else conflicts.push({ manager: e, path: p });
    }
  }
  if (conflicts.length > 0) throw applyConflict(conflicts);

  // Fields this manager applied before and no longer does, and nobody else owns, go away.
  const previous = entries.filter(mine).flatMap(entryPaths);
  const ownedByOthers = new Set(entries.filter((e) => !mine(e)).flatMap(entryPaths).map(key));
  let result = base;
  const removed = previous.filter((p) => !appliedSet.has(key(p)) && !ownedByOthers.has(key(p)));
  for (const p of removed.sort((a, b) => b.length - a.length)) removeAt(result as unknown as Record<string, unknown>, p);

  const { apiVersion: _a, kind: _k, ...intent } = deepCopy(applied) as Record<string, unknown>;
  const meta = { ...((intent.metadata as Record<string, unknown>) ?? {}) };
  for (const f of IGNORED_META) delete meta[f];
  intent.metadata = meta;
  result = applyStrategicMergePatch(result, intent, schema);
  result.metadata.name ??= applied.metadata?.name;
  if (applied.metadata?.namespace) result.metadata.namespace ??= applied.metadata.namespace;

  let managed = dropPaths(entries, stolen, mine);
  managed = withEntry(managed, { manager, operation: 'Apply', apiVersion: applied.apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(appliedPaths) });
  result.metadata.managedFields = managed;
  return result;
}

/**
 * Records a non-apply write: the fields it changed become this manager's (operation Update) and
 * stop being anyone else's, as in Kubernetes.
 */
export function recordUpdateManager(before: KubeObject | undefined, after: KubeObject, manager: string, now: string, schema?: PatchSchema): KubeObject {
  const s = schema ?? NO_LISTS;
  const entries = before?.metadata.managedFields as ManagedFieldsEntry[] | undefined;
  // One diff for a create (with no entries of its own, as nearly every one) and for an update of an object with entries.
  if (before ? !entries : after.metadata.managedFields) return recordUpdateManagerByWalk(before, after, manager, now, s);
  const diff = fieldDiff(before, after, s);
  if (!diff) return recordUpdateManagerByWalk(before, after, manager, now, s);
  const { changed, removed } = diff;
  const isMine = (e: ManagedFieldsEntry) => e.manager === manager && e.operation === 'Update' && !e.subresource;
  const removedSet = new Set(removed.map((l) => l.key));
  const changedSet = new Set(changed.map((l) => l.key));
  // Others lose what changed or went; this manager loses what went. An entry that loses nothing is kept as it is.
  let managed = (entries ?? [])
    .map((e) => {
      if (!removedSet.size && (!changedSet.size || isMine(e))) return e;
      const paths = keyedEntryPaths(e);
      const kept = paths.filter((l) => !removedSet.has(l.key) && (isMine(e) || !changedSet.has(l.key)));
      return kept.length === paths.length ? e : { ...e, fieldsV1: toFieldsV1(kept.map((l) => l.path)) };
    })
    .filter((e) => e.fieldsV1 && Object.keys(e.fieldsV1).length > 0);
  if (changed.length > 0) {
    const mine = managed.find(isMine);
    const unique = new Map<string, Path>();
    for (const l of [...(mine ? keyedEntryPaths(mine) : []), ...changed]) if (!unique.has(l.key)) unique.set(l.key, l.path);
    // A manager that changed only fields it owned already (a kubelet's status, again) keeps its FieldsV1.
    const same = mine?.fieldsV1 && unique.size === keyedEntryPaths(mine).length;
    managed = withEntry(managed, { manager, operation: 'Update', apiVersion: after.apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: same ? mine.fieldsV1! : toFieldsV1([...unique.values()]) });
  }
  const metadata = { ...after.metadata };
  if (managed.length) metadata.managedFields = managed;
  else delete metadata.managedFields;
  return { ...after, metadata };
}

const NO_LISTS: PatchSchema = { list: () => undefined };

/**
 * The owned leaves (as walkFields sees them) that an update changed: `changed`, the leaves of
 * `after` whose value differs from `before`'s at the same path (or that are new), and `removed`,
 * the leaves of `before` that are no leaves of `after`. One walk of both objects that skips
 * identical subtrees and builds a key only for a leaf it reports, as structured-merge-diff
 * compares two objects; walking each whole object into a map of every path's key and value cost
 * the API server a tenth of its CPU while pods were being bound and started. Undefined when a
 * keyed list holds one key twice (the full walk decides those, as before).
 */
function fieldDiff(before: KubeObject | undefined, after: KubeObject, schema: PatchSchema): { changed: KeyedPath[]; removed: KeyedPath[] } | undefined {
  const changed: KeyedPath[] = [];
  const removed: KeyedPath[] = [];
  const path: Path = [];
  const names: string[] = [];
  let duplicate = false;
  const emit = (out: KeyedPath[], extra?: string) => {
    const p = extra ? [...path, extra] : path.slice();
    out.push({ path: p, key: key(p) });
  };
  /** The leaf-or-not shape of `v` at the current path: whether walkFields reports a leaf there. */
  const isLeaf = (v: unknown): boolean => {
    if (v === undefined) return false;
    if (isPlainObject(v)) return Object.keys(v).length === 0;
    if (Array.isArray(v)) {
      const meta = schema.list(schemaPath(names));
      return !(meta?.mergeKey || meta?.strategy === 'merge');
    }
    return true;
  };
  /** Elements of a keyed list by their step (the first of a key wins, as in valueAt). */
  const keyed = (list: unknown, mergeKey: string): Map<string, Record<string, unknown>> => {
    const byStep = new Map<string, Record<string, unknown>>();
    if (!Array.isArray(list)) return byStep;
    for (const el of list) {
      if (!isPlainObject(el)) continue;
      const step = `k:${JSON.stringify({ [mergeKey]: el[mergeKey] })}`;
      if (byStep.has(step)) duplicate = true;
      else byStep.set(step, el);
    }
    return byStep;
  };
  const fieldsOf = (v: Record<string, unknown>): [string, unknown][] =>
    Object.entries(v).filter(([k, x]) => x !== undefined && !(names.length === 0 && IGNORED_TOP.has(k)) && !(names.length === 1 && names[0] === 'metadata' && IGNORED_META.has(k)));
  /**
   * The leaves of `x` (one side) against `y` (the other, at the same path): in 'changed' mode those
   * whose value differs, in 'removed' mode those that are no leaf of `y`.
   */
  const walk = (x: unknown, y: unknown, mode: 'changed' | 'removed'): void => {
    if (x === y) return;
    const out = mode === 'changed' ? changed : removed;
    if (isPlainObject(x)) {
      const fields = fieldsOf(x);
      if (fields.length === 0) {
        if (path.length > 0 && Object.keys(x).length === 0 && (mode === 'changed' ? !deepEqual(x, y) : !isLeaf(y))) emit(out);
        return;
      }
      const other = isPlainObject(y) ? y : undefined;
      for (const [k, v] of fields) {
        path.push(`f:${k}`);
        names.push(k);
        walk(v, other?.[k], mode);
        names.pop();
        path.pop();
      }
      return;
    }
    if (Array.isArray(x)) {
      const meta = schema.list(schemaPath(names));
      if (meta?.mergeKey) {
        const mine = keyed(x, meta.mergeKey);
        const theirs = keyed(y, meta.mergeKey);
        const listName = names[names.length - 1];
        for (const [step, el] of mine) {
          const counterpart = theirs.get(step);
          path.push(step);
          if (mode === 'changed' ? !deepEqual(el, counterpart) : counterpart === undefined) emit(out, '.');
          names[names.length - 1] = `${listName}[]`;
          walk(el, counterpart, mode);
          names[names.length - 1] = listName;
          path.pop();
        }
        return;
      }
      if (meta?.strategy === 'merge') {
        const theirs = new Set(Array.isArray(y) ? y.map((el) => JSON.stringify(el)) : []);
        for (const el of x) {
          const json = JSON.stringify(el);
          if (!theirs.has(json)) emit(out, `v:${json}`);
        }
        return;
      }
    }
    if (mode === 'changed' ? !deepEqual(x, y) : !isLeaf(y)) emit(out);
  };
  walk(after, before, 'changed');
  if (before) walk(before, after, 'removed');
  return duplicate ? undefined : { changed, removed };
}

/** recordUpdateManager by walking both whole objects: for a create, and for what fieldDiff leaves to it. */
export function recordUpdateManagerByWalk(before: KubeObject | undefined, after: KubeObject, manager: string, now: string, s: PatchSchema): KubeObject {
  const out = deepCopy(after);
  const entries = ((before?.metadata.managedFields ?? after.metadata.managedFields ?? []) as ManagedFieldsEntry[]).slice();
  const owned = ownedFields(out, s);
  const beforeValues = before && valuesByPath(before, s);
  const changed = owned.leaves.filter((l) => !beforeValues || !deepEqual(beforeValues.get(l.key), owned.values.get(l.key)));
  const existing = new Set(owned.leaves.map((l) => l.key));
  const isMine = (e: ManagedFieldsEntry) => e.manager === manager && e.operation === 'Update' && !e.subresource;
  const changedSet = new Set(changed.map((l) => l.key));
  // Drop ownership of fields that no longer exist, and of changed fields held by others.
  let managed = entries
    .map((e) => ({ ...e, fieldsV1: toFieldsV1(keyedEntryPaths(e).filter((l) => existing.has(l.key) && (isMine(e) || !changedSet.has(l.key))).map((l) => l.path)) }))
    .filter((e) => Object.keys(e.fieldsV1).length > 0);
  if (changed.length > 0) {
    const mine = managed.find(isMine);
    const unique = new Map<string, Path>();
    for (const l of [...(mine ? keyedEntryPaths(mine) : []), ...changed]) if (!unique.has(l.key)) unique.set(l.key, l.path);
    managed = withEntry(managed, { manager, operation: 'Update', apiVersion: after.apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1([...unique.values()]) });
  }
  if (managed.length) out.metadata.managedFields = managed;
  else delete out.metadata.managedFields;
  return out;
}
