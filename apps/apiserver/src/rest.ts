import {
  AlreadyExistsError,
  applyDefaults,
  isPlainObject,
  fieldSchemaFor,
  shapeMismatch,
  applyJsonPatch,
  applyMergePatch,
  applyServerSideApply,
  applyStrategicMergePatch,
  BadRequestError,
  beingDeleted,
  ConflictError,
  findResource,
  patchSchemaOf,
  jsonPathValue,
  setJsonPathValue,
  ForbiddenError,
  forbiddenMessage,
  generateNameConflict,
  generateNameSuffix,
  groupVersion,
  InvalidError,
  matchesFields,
  matchesLabels,
  MethodNotAllowedError,
  NotFoundError,
  parseFieldSelector,
  parseLabelSelector,
  recordUpdateManager,
  selectorToString,
  selectorFromLabelSelector,
  SERVICE_CIDR,
  validateObject,
  validateUpdate,
  type KubeObject,
  type Kind,
  RequestEntityTooLargeError,
} from '@skiff/apimachinery';
import { AllocationConflictError, type Store } from '@skiff/store';
import { Admission, storeReads, type AdmissionReads } from './admission/admission.js';
import type { PodSecurityLevel } from './admission/podSecurity/podSecurityChecks.js';
import type { PatchType } from './body.js';
import { clone, keyOf, nowRfc3339, sameContent, typeMeta } from './objects.js';
import type { ResourcePath } from './paths.js';
import { AllocationRetry, ServiceAllocator, type ServiceClaim } from './serviceAllocator.js';
import { evictPod } from './eviction.js';
import { prepareForCreate, prepareForUpdate } from './strategies.js';
import { needsRewrite } from './encryption/encryptingStore.js';
import { decodeContinueToken, encodeContinueToken } from './cache/continueToken.js';

export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
  /** The object comes from server-side apply, which has already recorded field ownership. */
  applied?: boolean;
  /** Checks a patched object before it is written (field validation); returns what to write. */
  admitPatched?: (patched: KubeObject) => KubeObject;
  /** Collects admission's warnings for the response's `Warning:` headers. */
  warnings?: string[];
}

export interface DeleteOptions {
  dryRun: boolean;
  /** Only as the client sent it: `false` makes a delete that is left pending answer 202. */
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListPage {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface RestOptions {
  /** Where Services' cluster IPs come from (default SERVICE_CIDR). */
  serviceClusterIpRange?: string;
  /** PodSecurity's enforce level for namespaces without an enforce label (default baseline). */
  podSecurityDefaultEnforce?: PodSecurityLevel;
  /** Run ServiceAccount admission on pods (see Admission). */
  serviceAccountAdmission?: boolean;
  /** Where namespace lifecycle and admission read namespaces, quotas and limit ranges (default: the store). */
  caches?: AdmissionReads;
  /**
   * A recent copy of a stored object (the watch cache's; it may be behind the store), or undefined:
   * a patch's first guess at the object it changes, instead of reading the store.
   */
  cachedObject?: (type: Kind, namespace: string | undefined, name: string) => KubeObject | undefined;
}

const MAX_PATCH_RETRIES = 5;

/** The namespaces kube-apiserver's NamespaceLifecycle admission never lets anyone delete (kube-node-lease is not one). */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Where Skiff's own pods run: PodSecurity never evaluates them (kube-apiserver's exemptions.namespaces). */
const POD_SECURITY_EXEMPT_NAMESPACES: ReadonlySet<string> = new Set(['kube-system']);

/**
 * The generic REST semantics over the store: admission (defaults, validation, kind strategies),
 * optimistic concurrency, graceful deletion and finalizers, subresources.
 */
export class Rest {
  private readonly services: ServiceAllocator;
  private readonly admission: Admission;
  private readonly reads: AdmissionReads;

  private readonly cachedObject: RestOptions['cachedObject'];

  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
    opts: RestOptions = {},
  ) {
    this.services = new ServiceAllocator(store, opts.serviceClusterIpRange ?? SERVICE_CIDR);
    this.reads = opts.caches ?? storeReads(store);
    this.cachedObject = opts.cachedObject;
    this.admission = new Admission(store, { enforce: opts.podSecurityDefaultEnforce ?? 'baseline', exemptNamespaces: POD_SECURITY_EXEMPT_NAMESPACES }, { serviceAccount: opts.serviceAccountAdmission }, this.reads);
  }

  // ---- reads -------------------------------------------------------------------------------

  async get(path: ResourcePath): Promise<KubeObject> {
    const conv = path.type.conversion;
    if (conv) return conv.fromStorage(await this.get(stored(path)));
    const obj = await this.getStored(path);
    return path.subresource === 'scale' ? toScale(path.type, obj) : obj;
  }

  async list(path: ResourcePath, query: ListQuery): Promise<ListPage> {
    const conv = path.type.conversion;
    if (conv) {
      const page = await this.list(stored(path), query);
      return { ...page, items: page.items.map((o) => conv.fromStorage(o)) };
    }
    const labels = query.labelSelector ? parseLabelSelector(query.labelSelector) : undefined;
    const fields = query.fieldSelector ? parseFieldSelector(query.fieldSelector) : undefined;
    const limit = query.limit && query.limit > 0 ? query.limit : undefined;
    let after: { namespace: string; name: string } | undefined = query.continue ? decodeContinueToken(query.continue) : undefined;
    const items: KubeObject[] = [];
    let resourceVersion: string | undefined;
    let remainingItemCount: number | undefined;
    // Selectors filter after the store's keyset page, so keep paging until the page is full.
    for (;;) {
      const page = await this.store.list({
        group: path.type.group,
        resource: path.type.resource,
        namespace: path.type.namespaced ? path.namespace : undefined,
        limit: limit ? limit - items.length : undefined,
        continueAfter: after,
      });
      resourceVersion ??= page.resourceVersion;
      for (const obj of page.items) {
        if (labels && !matchesLabels(labels, obj.metadata.labels)) continue;
        if (fields && !matchesFields(fields, obj)) continue;
        items.push(asServed(path.type, obj));
      }
      after = page.continueAfter;
      remainingItemCount = labels || fields ? undefined : page.remainingItemCount;
      if (!after || !limit || items.length >= limit) break;
    }
    return {
      items,
      resourceVersion,
      continue: after ? encodeContinueToken({ namespace: after.namespace, name: after.name }) : undefined,
      remainingItemCount: after ? remainingItemCount : undefined,
    };
  }

  // ---- writes ------------------------------------------------------------------------------

  async create(path: ResourcePath, body: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const conv = path.type.conversion;
    if (conv) {
      checkTypeMeta(path.type, body);
      return conv.fromStorage(await this.create(stored(path), conv.toStorage({ ...body, ...typeMeta(path.type) }), opts));
    }
    if (path.subresource === 'binding') return this.bind(path, body);
    if (path.subresource === 'eviction' && path.name !== undefined) {
      const deletePod = (namespace: string, name: string, options: DeleteOptions) => this.delete({ ...path, namespace, name, subresource: undefined }, options);
      return evictPod({ store: this.store, clock: this.clock, deletePod }, path.namespace ?? '', path.name, body, opts.dryRun);
    }
    if (path.subresource) throw new MethodNotAllowedError();
    const type = path.type;
    checkTypeMeta(type, body);
    checkShape(type, body);
    const obj = clone(body);
    obj.apiVersion = groupVersion(type);
    obj.kind = type.kind;
    obj.metadata = { ...(obj.metadata ?? {}) };
    this.resolveNamespace(type, obj, path.namespace);
    if (path.name !== undefined) throw new MethodNotAllowedError();
    if (type.namespaced) await this.requireLiveNamespace(obj.metadata.namespace!, type, obj.metadata.name);

    for (const field of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      delete obj.metadata[field];
    }
    const generated = !obj.metadata.name && !!obj.metadata.generateName;
    const retry = new AllocationRetry();
    // Admission charges quota once per request: a retry for another generated name or address uses the same.
    let admitted = false;
    for (let nameAttempt = 0; ; ) {
      // Like Kubernetes' SimpleNameGenerator: the base is cut to 58 characters so base+suffix fits 63.
      if (generated) obj.metadata.name = `${obj.metadata.generateName!.slice(0, 58)}${generateNameSuffix()}`;
      if (!obj.metadata.name) {
        throw new InvalidError({ kind: type.kind, group: type.group, name: '' }, [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'name or generateName is required' }]);
      }
      let candidate = applyDefaults(prepareForCreate(type, await this.admission.mutate(type, applyDefaults(obj, type))), type);
      const claim = await this.claimAllocations(type, candidate, undefined, retry);
      if (claim) candidate = claim.object;
      validateObject(candidate, type);
      if (!opts.applied) candidate = recordUpdateManager(undefined, candidate, opts.fieldManager, nowRfc3339(this.clock()), patchSchemaOf(type));
      candidate.metadata.creationTimestamp = nowRfc3339(this.clock());
      if (!admitted) await this.admission.validate(type, candidate, { dryRun: opts.dryRun, warnings: opts.warnings });
      admitted = true;
      const key = keyOf(type, candidate.metadata.namespace, candidate.metadata.name!);
      if (opts.dryRun) {
        const existing = await this.store.get(key);
        if (existing) throw alreadyExists(type, candidate, existing, false);
        if (claim) await this.services.checkChosen(claim, undefined);
        return candidate;
      }
      try {
        return asServed(type, await this.store.create(key, asStored(type, candidate), claim && { allocations: claim.allocations }));
      } catch (err) {
        if (generated && err instanceof AlreadyExistsError && nameAttempt++ < 5) continue;
        if (err instanceof AlreadyExistsError) throw alreadyExists(type, candidate, await this.store.get(key), generated);
        if (claim && err instanceof AllocationConflictError) {
          this.services.conflict(claim, err, retry);
          continue;
        }
        throw err;
      }
    }
  }

  async update(path: ResourcePath, body: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const conv = path.type.conversion;
    if (conv) {
      checkTypeMeta(path.type, body);
      return conv.fromStorage(await this.update(stored(path), conv.toStorage({ ...body, ...typeMeta(path.type) }), opts));
    }
    const type = path.type;
    if (path.name === undefined) throw new MethodNotAllowedError();
    if (path.subresource === 'scale') return this.updateScale(path, body, opts);
    if (path.subresource && path.subresource !== 'status' && path.subresource !== 'ephemeralcontainers') {
      throw new MethodNotAllowedError();
    }
    checkTypeMeta(type, body);
    const incoming = clone(body);
    incoming.apiVersion = groupVersion(type);
    incoming.kind = type.kind;
    incoming.metadata = { ...(incoming.metadata ?? {}) };
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== path.name) {
      throw new BadRequestError(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${path.name})`);
    }
    incoming.metadata.name = path.name;
    this.resolveNamespace(type, incoming, path.namespace);
    const old = asServed(type, await this.store.get(keyOf(type, path.namespace, path.name)));
    if (!old) {
      if (type.allowCreateOnUpdate && !path.subresource) return this.create({ ...path, name: undefined }, incoming, opts);
      throw new NotFoundError({ kind: type.resource, group: type.group, name: path.name });
    }
    return this.writeUpdate(type, old, incoming, path.subresource, opts, updatePrecondition(type, incoming));
  }

  /** `created` is true when a server-side apply created the object (Kubernetes answers 201 then). */
  async patch(path: ResourcePath, patchType: PatchType, patch: unknown, opts: WriteOptions): Promise<{ object: KubeObject; created: boolean }> {
    const type = path.type;
    if (path.name === undefined) throw new MethodNotAllowedError();
    if (path.subresource && path.subresource !== 'status' && path.subresource !== 'scale' && path.subresource !== 'ephemeralcontainers') {
      throw new MethodNotAllowedError();
    }
    for (let attempt = 0; ; attempt++) {
      // The first attempt starts from the cached copy, as kube-apiserver's GuaranteedUpdate does, so
      // a heartbeat costs one statement, not a read and a write. The write's resourceVersion
      // precondition catches a stale copy; any failure from a copy, or a patch that changes nothing
      // in it, may be the copy's fault: the next attempt reads the store and decides.
      const guess = attempt === 0 ? this.firstGuess(path, opts) : undefined;
      const old = guess ?? asServed(type, await this.store.get(keyOf(type, path.namespace, path.name)));
      if (!old) {
        if (patchType === 'apply' && !path.subresource) {
          const conv = type.conversion;
          if (conv) return { object: conv.fromStorage(await this.applyCreate(stored(path), conv.toStorage(patch as KubeObject), opts)), created: true };
          return { object: await this.applyCreate(path, patch as KubeObject, opts), created: true };
        }
        throw new NotFoundError({ kind: type.resource, group: type.group, name: path.name });
      }
      const conv = type.conversion;
      const view = path.subresource === 'scale' ? toScale(type, old) : conv ? conv.fromStorage(old) : old;
      let patched: KubeObject;
      try {
        const applied = wellFormedPatchResult(type, this.applyPatch(type, view, patchType, patch, opts), path.subresource);
        const admitted = opts.admitPatched ? opts.admitPatched(applied) : applied;
        // Another version's patch is made to that version's view, then stored as the storage version.
        patched = conv ? conv.toStorage(admitted) : admitted;
      } catch (err) {
        if (guess) continue;
        throw err;
      }
      // A resourceVersion inside the patch is a precondition, as in Kubernetes.
      const precondition = patched.metadata?.resourceVersion !== view.metadata.resourceVersion ? patched.metadata?.resourceVersion : undefined;
      // The caller's own precondition is judged against the stored object, never a copy.
      if (guess && precondition !== undefined) continue;
      try {
        if (path.subresource === 'scale') {
          return { object: toScale(type, await this.writeScale(type, old, patched, opts, precondition ?? old.metadata.resourceVersion)), created: false };
        }
        patched.metadata.resourceVersion = old.metadata.resourceVersion;
        const written = await this.writeUpdate(conv ? conv.storage : type, old, patched, path.subresource, opts, precondition ?? old.metadata.resourceVersion, patchType === 'apply');
        // Nothing to write: whether that is so only the stored object can tell.
        if (guess && written === old) continue;
        return { object: conv ? conv.fromStorage(written) : written, created: false };
      } catch (err) {
        if (guess) continue;
        if (err instanceof ConflictError && precondition === undefined && attempt < MAX_PATCH_RETRIES && !isFieldConflict(err)) continue;
        throw err;
      }
    }
  }

  async delete(path: ResourcePath, opts: DeleteOptions): Promise<KubeObject> {
    const conv = path.type.conversion;
    if (conv) return conv.fromStorage(await this.delete(stored(path), opts));
    const type = path.type;
    if (path.name === undefined) throw new MethodNotAllowedError();
    if (path.subresource) throw new MethodNotAllowedError();
    if (type.group === '' && type.resource === 'namespaces' && IMMORTAL_NAMESPACES.has(path.name)) {
      // NamespaceLifecycle admission: refused before the object is even looked up, dry run or not.
      const target = { kind: type.resource, name: path.name };
      throw new ForbiddenError(forbiddenMessage(target, 'this namespace may not be deleted'), target);
    }
    const key = keyOf(type, path.namespace, path.name);
    for (let attempt = 0; ; attempt++) {
      const old = asServed(type, await this.store.get(key));
      if (!old) throw new NotFoundError({ kind: type.resource, group: type.group, name: path.name });
      const pre = opts.preconditions ?? {};
      if (pre.uid && pre.uid !== old.metadata.uid) {
        throw new ConflictError({ kind: type.resource, group: type.group, name: path.name }, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
      }
      if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
        throw new ConflictError({ kind: type.resource, group: type.group, name: path.name }, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
      }
      const plan = planDeletion(type, old, opts, this.clock());
      if (opts.dryRun) return plan.kind === 'mark' ? plan.object : old;
      try {
        if (plan.kind === 'now') return asServed(type, await this.store.delete(key, { uid: old.metadata.uid, resourceVersion: old.metadata.resourceVersion }));
        if (plan.kind === 'unchanged') return old;
        return asServed(type, await this.store.update(key, asStored(type, plan.object), { resourceVersion: old.metadata.resourceVersion }));
      } catch (err) {
        if (err instanceof ConflictError && !pre.resourceVersion && attempt < MAX_PATCH_RETRIES) continue;
        if (err instanceof NotFoundError && plan.kind === 'now') throw err;
        throw err;
      }
    }
  }

  async deleteCollection(path: ResourcePath, query: ListQuery, opts: DeleteOptions): Promise<ListPage> {
    const page = await this.list(path, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector });
    const deleted: KubeObject[] = [];
    for (const item of page.items) {
      try {
        deleted.push(await this.delete({ ...path, namespace: item.metadata.namespace ?? path.namespace, name: item.metadata.name }, { ...opts, preconditions: undefined }));
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    return { items: deleted, resourceVersion: await this.store.currentResourceVersion() };
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * The cached copy of a patch's object, when there is one and the patch may start from it: not
   * for a dry run (whose answer nothing checks), a scale (written with its own precondition), a
   * kind served in several versions, or a Service (whose update admission charges quota, which a
   * stale copy would charge again). A copy of the copy: nothing may change the cache's.
   */
  private firstGuess(path: ResourcePath, opts: WriteOptions): KubeObject | undefined {
    if (!this.cachedObject || opts.dryRun || path.subresource === 'scale' || path.type.conversion || path.name === undefined) return undefined;
    if (path.type.group === '' && path.type.resource === 'services') return undefined;
    const cached = this.cachedObject(path.type, path.namespace, path.name);
    // The cache's objects are the store's JSON: a JSON round trip copies them whole, and quicker than structuredClone.
    return cached && asServed(path.type, JSON.parse(JSON.stringify(cached)) as KubeObject);
  }

  private async getStored(path: ResourcePath): Promise<KubeObject> {
    if (path.name === undefined) throw new MethodNotAllowedError();
    const obj = asServed(path.type, await this.store.get(keyOf(path.type, path.namespace, path.name)));
    if (!obj) throw new NotFoundError({ kind: path.type.resource, group: path.type.group, name: path.name });
    return obj;
  }

  private resolveNamespace(type: Kind, obj: KubeObject, pathNamespace: string | undefined): void {
    if (!type.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    const bodyNs = obj.metadata.namespace;
    if (bodyNs && pathNamespace && bodyNs !== pathNamespace) {
      throw new BadRequestError('the namespace of the provided object does not match the namespace sent on the request');
    }
    const ns = bodyNs || pathNamespace;
    if (!ns) throw new BadRequestError(`${type.resource} must be created in a namespace`);
    obj.metadata.namespace = ns;
  }

  private async requireLiveNamespace(namespace: string, type: Kind, name: string | undefined): Promise<void> {
    const ns = await this.reads.namespaces.get('', namespace);
    if (!ns) throw new NotFoundError({ kind: 'namespaces', name: namespace });
    if (ns.metadata.deletionTimestamp) {
      const target = { kind: type.resource, group: type.group, name };
      throw new ForbiddenError(forbiddenMessage(target, `unable to create new content in namespace ${namespace} because it is being terminated`), target, [
        { reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }

  private applyPatch(type: Kind, view: KubeObject, patchType: PatchType, patch: unknown, opts: WriteOptions): KubeObject {
    switch (patchType) {
      case 'json':
        if (!Array.isArray(patch)) throw new BadRequestError('a JSON patch must be a list of operations');
        return applyJsonPatch(view, patch);
      case 'merge':
        return applyMergePatch(view, requirePatchObject(patch)) as KubeObject;
      case 'strategic':
        return applyStrategicMergePatch(view, requirePatchObject(patch), patchSchemaOf(type)) as KubeObject;
      case 'apply': {
        const applied = requirePatchObject(patch) as KubeObject;
        checkApplyTypeMeta(view, applied);
        return applyServerSideApply(view, applied, opts.fieldManager, opts.force ?? false, view.kind === type.kind ? patchSchemaOf(type) : patchSchemaOf(undefined), nowRfc3339(this.clock()));
      }
    }
  }

  private async applyCreate(path: ResourcePath, applied: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    requirePatchObject(applied);
    const type = path.type;
    checkTypeMeta(type, applied);
    if (applied.metadata?.name !== undefined && applied.metadata.name !== path.name) {
      throw new BadRequestError(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${path.name})`);
    }
    const now = nowRfc3339(this.clock());
    const merged = applyServerSideApply(undefined, { ...applied, metadata: { ...(applied.metadata ?? {}), name: path.name } }, opts.fieldManager, true, patchSchemaOf(type), now);
    // The apply already recorded ownership; create must not record an Update entry on top.
    return this.create({ ...path, name: undefined }, merged, { ...opts, applied: true });
  }

  private async writeUpdate(
    type: Kind,
    old: KubeObject,
    incoming: KubeObject,
    subresource: string | undefined,
    opts: WriteOptions,
    precondition: string | undefined,
    applied = false,
  ): Promise<KubeObject> {
    checkShape(type, incoming);
    const retry = new AllocationRetry();
    let admitted = false;
    for (;;) {
      let next = prepareForUpdate(type, incoming, old, subresource);
      if (subresource !== 'status') next = applyDefaults(next, type);
      const claim = subresource ? undefined : await this.claimAllocations(type, next, old, retry);
      if (claim) next = claim.object;
      validateObject(next, type, { old });
      validateUpdate(next, old, type);
      // An unchanged write still goes through when the stored copy is sealed with an old key (rotation).
      if (sameContent(next, old) && !needsRewrite(old)) {
        if (precondition && precondition !== old.metadata.resourceVersion) {
          throw new ConflictError({ kind: type.resource, group: type.group, name: old.metadata.name });
        }
        return old;
      }
      if (!applied) next = recordUpdateManager(old, next, opts.fieldManager, nowRfc3339(this.clock()), patchSchemaOf(type));
      if (!admitted) await this.admission.validate(type, next, { dryRun: opts.dryRun, prior: old, subresource, warnings: opts.warnings });
      admitted = true;
      if (opts.dryRun) {
        if (claim) await this.services.checkChosen(claim, old);
        return next;
      }
      const key = keyOf(type, old.metadata.namespace, old.metadata.name!);
      try {
        const stored = asServed(type, await this.store.update(key, asStored(type, next), { resourceVersion: precondition, uid: old.metadata.uid }, claim && { allocations: claim.allocations }));
        return await this.finishDeletionIfDone(type, stored);
      } catch (err) {
        if (claim && err instanceof AllocationConflictError) {
          this.services.conflict(claim, err, retry);
          continue;
        }
        throw err;
      }
    }
  }

  /** Services hold cluster IPs and node ports: decides them (see ServiceAllocator); other kinds hold nothing. */
  private claimAllocations(type: Kind, next: KubeObject, old: KubeObject | undefined, retry: AllocationRetry): Promise<ServiceClaim | undefined> {
    if (type.group !== '' || type.resource !== 'services') return Promise.resolve(undefined);
    return this.services.claim(next, old, retry);
  }

  /** An object being deleted goes once its last finalizer is gone (pods wait for their node, too). */
  private async finishDeletionIfDone(type: Kind, obj: KubeObject): Promise<KubeObject> {
    if (!obj.metadata.deletionTimestamp || (obj.metadata.finalizers?.length ?? 0) > 0) return obj;
    if ((obj.metadata.deletionGracePeriodSeconds ?? 0) > 0) return obj;
    if ((type.kindFinalizers?.(obj).length ?? 0) > 0) return obj;
    try {
      return asServed(type, await this.store.delete(keyOf(type, obj.metadata.namespace, obj.metadata.name!), { uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion }));
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof ConflictError) return obj;
      throw err;
    }
  }

  private async updateScale(path: ResourcePath, body: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const old = await this.getStored({ ...path, subresource: undefined });
    return toScale(path.type, await this.writeScale(path.type, old, body, opts, updatePrecondition(path.type, { ...body, metadata: { ...(body.metadata ?? {}), name: old.metadata.name } })));
  }

  private async writeScale(type: Kind, old: KubeObject, scale: KubeObject, opts: WriteOptions, precondition: string | undefined): Promise<KubeObject> {
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new InvalidError({ kind: 'Scale', group: 'autoscaling', name: old.metadata.name }, [{ field: 'spec.replicas', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    }
    const next = clone(old);
    setJsonPathValue(next as unknown as Record<string, unknown>, type.scale?.specReplicasPath ?? '.spec.replicas', replicas);
    return this.writeUpdate(type, old, next, undefined, opts, precondition);
  }

  private async bind(path: ResourcePath, binding: KubeObject): Promise<KubeObject> {
    const target = (binding as { target?: { kind?: string; name?: string } }).target;
    if (!target?.name) {
      throw new InvalidError({ kind: 'Binding', name: path.name }, [{ field: 'target.name', reason: 'FieldValueRequired', message: 'Required value' }]);
    }
    const podsType = findResource('', 'v1', 'pods')!;
    const name = path.name ?? binding.metadata?.name;
    if (!name) throw new BadRequestError('binding requires a pod name');
    const key = keyOf(podsType, path.namespace, name);
    // The watch cache's copy first, as for a patch: a binding is then one statement. A pod the
    // copy shows bound or deleting is so in the store too (neither is ever undone); a stale copy
    // fails the write's resourceVersion precondition, and the store's pod decides.
    const cached = this.cachedObject?.(podsType, path.namespace, name);
    if (cached) {
      try {
        return await this.bindPod(key, name, cached, target.name);
      } catch (err) {
        // A refusal stands unless the copy may be another pod of that name (the binding names its uid).
        const samePod = !binding.metadata?.uid || binding.metadata.uid === cached.metadata.uid;
        if (!(err instanceof ConflictError) || (samePod && bindingRefusal(cached, name))) throw err;
      }
    }
    const pod = await this.store.get(key);
    if (!pod) throw new NotFoundError({ kind: 'pods', name });
    return this.bindPod(key, name, pod, target.name);
  }

  /** Binds `pod` (never changed: it may be the cache's) to `nodeName`, if it is still at its resourceVersion. */
  private async bindPod(key: ReturnType<typeof keyOf>, name: string, pod: KubeObject, nodeName: string): Promise<KubeObject> {
    const refusal = bindingRefusal(pod, name);
    if (refusal) throw refusal;
    // The pod with its node and PodScheduled condition; the rest shared with `pod`, not copied (the store only serialises it).
    const status = ((pod.status ?? {}) as Record<string, unknown>);
    const conditions = ((status.conditions as Record<string, unknown>[] | undefined) ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowRfc3339(this.clock()) });
    const next: KubeObject = { ...pod, spec: { ...(pod.spec as Record<string, unknown>), nodeName }, status: { ...status, conditions } };
    await this.store.update(key, next, { resourceVersion: pod.metadata.resourceVersion });
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject;
  }
}

/** Why `pod` cannot be bound (it is being deleted, or bound already), if it cannot: neither is ever undone. */
function bindingRefusal(pod: KubeObject, name: string): ConflictError | undefined {
  if (pod.metadata.deletionTimestamp) return new ConflictError({ kind: 'pods', name }, 'pod is being deleted, cannot be assigned to a host');
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (nodeName) return new ConflictError({ kind: 'pods', name }, `pod ${name} is already assigned to node "${String(nodeName)}"`);
  return undefined;
}

/**
 * The resourceVersion an update must match. None, or "0", makes the update unconditional: it
 * overwrites whatever is stored, as built-in kinds allow (Kubernetes' strategies'
 * AllowUnconditionalUpdate). Custom resources refuse it with the generic store's 422, which names
 * the resource, not the kind: `crontabs.stable.example.com "x" is invalid: metadata.resourceVersion:
 * Invalid value: 0x0: must be specified for an update`.
 */
/** A patch's result that is an object the kind can take (`metadata` may be gone: an empty one, which validation then judges). */
function wellFormedPatchResult(type: Kind, result: unknown, subresource: string | undefined): KubeObject {
  if (!isPlainObject(result)) throw new BadRequestError(`the patch leaves a ${Array.isArray(result) ? 'list' : typeof result}, not an object`);
  const obj = result as KubeObject;
  if (subresource !== 'scale') checkShape(type, obj);
  return obj.metadata == null ? { ...obj, metadata: {} } : obj;
}

/**
 * A body the kind's typed decode could not take (a string where it has a struct, an object where
 * it has a list) is a 400, as kube-apiserver refuses it, before defaulting or a strategy reads it.
 */
function checkShape(type: Kind, obj: KubeObject): void {
  const schema = fieldSchemaFor(groupVersion(type), type.kind);
  const mismatch = schema && shapeMismatch(obj, schema, type.kind);
  if (mismatch) throw new BadRequestError(`${type.kind} in version ${JSON.stringify(type.version)} cannot be handled as a ${type.kind}: ${mismatch}`);
}

export function updatePrecondition(type: Kind, obj: KubeObject): string | undefined {
  const resourceVersion = obj.metadata?.resourceVersion;
  const precondition = resourceVersion && resourceVersion !== '0' ? resourceVersion : undefined;
  if (!precondition && type.allowUnconditionalUpdate === false) {
    throw new InvalidError({ kind: type.resource, group: type.group, name: obj.metadata?.name ?? '' }, [
      { field: 'metadata.resourceVersion', reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update' },
    ]);
  }
  return precondition;
}

/**
 * Every served version of a kind shares one storage (custom resources with conversion None):
 * objects are stored under the storage version and read as the version the request names.
 */
export function asServed<T extends KubeObject | undefined>(type: Kind, obj: T): T {
  if (!obj || !type.storageApiVersion || obj.kind !== type.kind) return obj;
  return { ...obj, apiVersion: groupVersion(type) };
}

/** etcd's default request limit (1.5 MiB), which bounds one stored object in Kubernetes. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** The object as the store keeps it; one larger than etcd would take is refused (413), whatever wrote it. */
function asStored(type: Kind, obj: KubeObject): KubeObject {
  const stored = type.storageApiVersion ? { ...obj, apiVersion: type.storageApiVersion } : obj;
  if (Buffer.byteLength(JSON.stringify(stored)) > MAX_OBJECT_BYTES) throw new RequestEntityTooLargeError(MAX_OBJECT_BYTES);
  return stored;
}

/** The 409 for a create whose name is taken, worded as kube-apiserver's store words it. */
function alreadyExists(type: Kind, obj: KubeObject, existing: KubeObject | undefined, generated: boolean): AlreadyExistsError {
  const target = { kind: type.resource, group: type.group, name: obj.metadata.name };
  const err = generated ? generateNameConflict(target) : new AlreadyExistsError(target);
  return existing?.metadata.deletionTimestamp ? beingDeleted(err) : err;
}

type DeletionPlan = { kind: 'now' } | { kind: 'unchanged' } | { kind: 'mark'; object: KubeObject };

/**
 * Decides how a delete proceeds: at once, or by marking the object (deletionTimestamp) for a node
 * agent to finish (graceful pod deletion), for finalizers, or for dependents (foreground, orphan).
 */
export function planDeletion(type: Kind, old: KubeObject, opts: DeleteOptions, now: Date): DeletionPlan {
  const policy = opts.propagationPolicy ?? 'Background';
  const finalizers = new Set(old.metadata.finalizers ?? []);
  if (policy === 'Foreground') finalizers.add('foregroundDeletion');
  if (policy === 'Orphan') finalizers.add('orphan');

  const grace = type.deletionGracePeriod?.(old, opts.gracePeriodSeconds) ?? 0;
  const kindFinalizers = type.kindFinalizers?.(old) ?? [];

  if (old.metadata.deletionTimestamp) {
    // Already terminating: a shorter grace period (e.g. the node agent's final 0) may finish it.
    if (type.deletionGracePeriod && grace < (old.metadata.deletionGracePeriodSeconds ?? 0)) {
      if (grace === 0 && finalizers.size === 0) return { kind: 'now' };
      const object = clone(old);
      object.metadata.deletionGracePeriodSeconds = grace;
      object.metadata.deletionTimestamp = nowRfc3339(new Date(now.getTime() + grace * 1000));
      return { kind: 'mark', object };
    }
    return { kind: 'unchanged' };
  }
  if (grace === 0 && finalizers.size === 0 && kindFinalizers.length === 0) return { kind: 'now' };

  const object = clone(old);
  object.metadata.deletionTimestamp = nowRfc3339(new Date(now.getTime() + grace * 1000));
  object.metadata.deletionGracePeriodSeconds = grace;
  if (finalizers.size > 0) object.metadata.finalizers = [...finalizers];
  type.prepareForDelete?.(object);
  return { kind: 'mark', object };
}

/** The `autoscaling/v1` Scale view of a kind with a `/scale` subresource. */
export function toScale(type: Kind, obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { selector?: unknown };
  const replicasAt = (path: string) => {
    const v = jsonPathValue(obj, path);
    return typeof v === 'number' ? v : 0;
  };
  const selector = type.scale?.selector ? type.scale.selector(obj) : spec.selector ? selectorToString(selectorFromLabelSelector(spec.selector as never)) : '';
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: replicasAt(type.scale?.specReplicasPath ?? '.spec.replicas') },
    status: { replicas: replicasAt(type.scale?.statusReplicasPath ?? '.status.replicas'), selector },
  };
}

/** The same request against the storage version of a kind served in another version. */
function stored(path: ResourcePath): ResourcePath {
  return path.type.conversion ? { ...path, type: path.type.conversion.storage } : path;
}

function checkTypeMeta(type: Kind, body: KubeObject): void {
  const expected = typeMeta(type);
  if (body.apiVersion !== undefined && body.apiVersion !== expected.apiVersion) {
    throw new BadRequestError(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected.apiVersion})`);
  }
  if (body.kind !== undefined && body.kind !== expected.kind) {
    throw new BadRequestError(`the kind in the data (${String(body.kind)}) does not match the expected kind (${expected.kind})`);
  }
  if (body.metadata !== undefined && (typeof body.metadata !== 'object' || body.metadata === null || Array.isArray(body.metadata))) {
    throw new BadRequestError('metadata must be an object');
  }
}

function checkApplyTypeMeta(view: KubeObject, applied: KubeObject): void {
  if (!applied.apiVersion || !applied.kind) throw new BadRequestError('apiVersion and kind must be set in an apply configuration');
  if (applied.apiVersion !== view.apiVersion || applied.kind !== view.kind) {
    throw new BadRequestError(`the apply configuration is for ${String(applied.apiVersion)} ${String(applied.kind)}, not ${view.apiVersion} ${view.kind}`);
  }
}

function requirePatchObject(patch: unknown): Record<string, unknown> {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new BadRequestError('the patch must be a JSON object');
  return patch as Record<string, unknown>;
}

function isFieldConflict(err: ConflictError): boolean {
  return (err.details?.causes ?? []).some((c) => c.reason === 'FieldManagerConflict');
}
