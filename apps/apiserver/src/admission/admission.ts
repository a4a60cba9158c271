import { ConflictError, decideQuota, findResource, ForbiddenError, InvalidError, NotFoundError, type KubeObject, type Kind } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import { byName, clone, keyOf } from '../objects.js';
import { defaultIngressClassName } from './defaultIngressClass.js';
import { withDefaultStorageClass } from './defaultStorageClass.js';
import { withStorageProtection } from './storageObjectInUseProtection.js';
import { applyLimitRangeDefaults, limitRangeViolations } from './limitRanger.js';
import { runtimeClassRejection } from './runtimeClass.js';
import { admitNamespacePodSecurity, admitPodSecurity, podSecurityApplies, type PodSecurityDecision, type PodSecurityDefaults } from './podSecurity/podSecurity.js';
import { admitServiceAccount, isMirrorPod, podServiceAccountName, randomVolumeSuffix } from './serviceAccount.js';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';

const RESOURCE_QUOTAS = findResource('', 'v1', 'resourcequotas')!;
const LIMIT_RANGES = findResource('', 'v1', 'limitranges')!;
const INGRESS_CLASSES = findResource('networking.k8s.io', 'v1', 'ingressclasses')!;
const STORAGE_CLASSES = findResource('storage.k8s.io', 'v1', 'storageclasses')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const PODS = findResource('', 'v1', 'pods')!;

export interface ValidateOptions {
  dryRun: boolean;
  /** The stored object an update replaces. */
  prior?: KubeObject;
  subresource?: string;
  /** Collects the warnings the response carries (`Warning:` headers). */
  warnings?: string[];
}

/** Enough for every concurrent create of one namespace to win a round: each round one charge commits. */
const MAX_CHARGE_ATTEMPTS = 64;

/**
 * The API server's admission plugins, in Kubernetes' order: DefaultIngressClass (mutating: a
 * classless Ingress gets the default IngressClass), DefaultStorageClass (mutating: a claim without
 * a class gets the default one), StorageObjectInUseProtection (mutating: claims and volumes get
 * their protection finalizer), LimitRanger
 * (mutating: container defaults; validating: min/max/ratio), ServiceAccount (mutating: see
 * `admitServiceAccount`, when enabled) and ResourceQuota (validating:
 * constraints, then charging `status.used`). Both run on create, pods being the only kind
 * LimitRanger touches; quota also runs on Service updates (a type change takes node ports or a
 * load balancer), as Kubernetes' service evaluator does. PodSecurity validates before quota, on
 * pods, pod templates and namespaces (see podSecurity/podSecurity.ts).
 */
export interface AdmissionOptions {
  /**
   * Run ServiceAccount admission (pods get their account and its token volume). Off unless asked:
   * the volume needs the root CA publisher and a node agent that asks for tokens, which an API
   * server started alone in a test does not have.
   */
  serviceAccount?: boolean;
}

/** A kind's objects as admission reads them: from the server's caches (see KindCache), or the store. */
export interface KindReads {
  get(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** A namespace's objects in name order. */
  list(namespace: string): Promise<KubeObject[]>;
}

export interface AdmissionReads {
  namespaces: KindReads;
  resourceQuotas: KindReads;
  limitRanges: KindReads;
}

/** Reads straight from the store, for a Rest without caches. */
export function storeReads(store: Store): AdmissionReads {
  const of = (type: Kind): KindReads => ({
    get: (namespace, name) => store.get({ group: type.group, resource: type.resource, namespace, name }),
    list: async (namespace) => [...(await store.list({ group: type.group, resource: type.resource, namespace })).items].sort(byName),
  });
  return { namespaces: of(NAMESPACES), resourceQuotas: of(RESOURCE_QUOTAS), limitRanges: of(LIMIT_RANGES) };
}

export class Admission {
  constructor(
    private readonly store: Store,
    private readonly podSecurityDefaults: PodSecurityDefaults,
    private readonly opts: AdmissionOptions = {},
    private readonly reads: AdmissionReads = storeReads(store),
  ) {}

  /** Mutating admission, on the defaulted object before the kind's create strategy. */
  async mutate(type: Kind, obj: KubeObject): Promise<KubeObject> {
    if (isIngress(type)) return this.defaultIngressClass(obj);
    if (isClaim(type)) {
      const classes = (await this.store.list({ group: STORAGE_CLASSES.group, resource: STORAGE_CLASSES.resource, namespace: '' })).items;
      return withStorageProtection(withDefaultStorageClass(obj, classes), 'persistentvolumeclaims');
    }
    if (type.group === '' && type.resource === 'persistentvolumes') return withStorageProtection(obj, 'persistentvolumes');
    if (!isPod(type)) return obj;
    const defaulted = applyLimitRangeDefaults(obj, await this.reads.limitRanges.list(obj.metadata.namespace!));
    const rejection = runtimeClassRejection(defaulted);
    if (rejection) throw forbidden(type, defaulted, rejection);
    return this.opts.serviceAccount && !isMirrorPod(defaulted) ? this.admitServiceAccount(type, defaulted) : defaulted;
  }

  /**
   * ServiceAccount admission: a pod may only run as an account that exists. A namespace's
   * `default` account is the exception while the serviceaccount controller has not made it yet
   * (a pod created right after its namespace): the pod is admitted as if it existed with no
   * opinions, and its token can be issued once the controller made it.
   */
  private async admitServiceAccount(type: Kind, pod: KubeObject): Promise<KubeObject> {
    const namespace = pod.metadata.namespace!;
    const name = podServiceAccountName(pod);
    const sa = (await this.store.get({ group: '', resource: 'serviceaccounts', namespace, name })) as ServiceAccount | undefined;
    if (!sa && name !== 'default') throw forbidden(type, pod, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
    return admitServiceAccount(pod, sa ?? {}, randomVolumeSuffix());
  }

  /**
   * Validating admission, on the valid object just before it is stored: PodSecurity (on pods, their
   * ephemeral containers, pod templates and namespaces; its warnings go to `opts.warnings`), then,
   * for the main resource, LimitRanger and ResourceQuota. Throws ForbiddenError with Kubernetes'
   * message; otherwise the object's usage has been added to every quota it counts against (not on
   * a dry run).
   */
  async validate(type: Kind, obj: KubeObject, opts: ValidateOptions): Promise<void> {
    const { dryRun, prior } = opts;
    if (podSecurityApplies(type, opts.subresource)) {
      const decision = await this.podSecurity(type, obj, prior);
      if (decision.kind === 'forbidden') throw forbidden(type, obj, decision.message);
      if (decision.kind === 'invalid') throw new InvalidError({ kind: type.kind, group: type.group, name: obj.metadata.name }, decision.causes);
      opts.warnings?.push(...decision.warnings);
    }
    if (opts.subresource || !type.namespaced) return;
    if (prior && !isService(type)) return;
    const namespace = obj.metadata.namespace!;
    if (isPod(type) && !prior) {
      const violations = limitRangeViolations(obj, await this.reads.limitRanges.list(namespace));
      if (violations.length) throw forbidden(type, obj, violations.length === 1 ? violations[0] : `[${violations.join(', ')}]`);
    }
    const quotas = await this.reads.resourceQuotas.list(namespace);
    const charges: KubeObject[] = [];
    for (const quota of quotas) {
      const decision = decideQuota(quota, type, obj, prior);
      if (decision.kind === 'forbidden') throw forbidden(type, obj, decision.message);
      if (decision.kind === 'charge') charges.push(quota);
    }
    if (dryRun) return;
    for (const quota of charges) await this.charge(quota, type, obj, prior);
  }

  /**
   * Adds `obj`'s usage to `quota.status.used` with the quota's resourceVersion as precondition,
   * re-deciding from the fresh quota on a conflict. This is Kubernetes' own scheme, and why two
   * concurrent creates cannot both pass a quota of 1: the store commits writes one at a time under
   * its counter lock, so of two charges read at the same resourceVersion only one commits; the
   * other re-reads used=1 and is refused. A per-namespace lock would serialise every create in the
   * namespace for the length of a request; the compare-and-swap costs only the losers a retry.
   * The charge comes before the object is stored, so a create that then fails leaves the quota
   * over-counted until the quota controller recomputes it, as in Kubernetes.
   */
  private async charge(quota: KubeObject, type: Kind, obj: KubeObject, prior: KubeObject | undefined): Promise<void> {
    let current = quota;
    for (let attempt = 1; ; attempt++) {
      const decision = decideQuota(current, type, obj, prior);
      if (decision.kind === 'forbidden') throw forbidden(type, obj, decision.message);
      if (decision.kind === 'unaffected') return;
      const next = clone(current);
      next.status = { ...((current.status as object | undefined) ?? {}), used: decision.used };
      const key = keyOf(RESOURCE_QUOTAS, current.metadata.namespace, current.metadata.name!);
      try {
        await this.store.update(key, next, { resourceVersion: current.metadata.resourceVersion, uid: current.metadata.uid });
        return;
      } catch (err) {
        if (err instanceof NotFoundError) return;
        if (!(err instanceof ConflictError) || attempt >= MAX_CHARGE_ATTEMPTS) throw err;
      }
      const fresh = await this.store.get(key);
      if (!fresh || fresh.metadata.uid !== quota.metadata.uid) return;
      current = fresh;
    }
  }

  private async podSecurity(type: Kind, obj: KubeObject, prior: KubeObject | undefined): Promise<PodSecurityDecision> {
    if (type.resource === 'namespaces') {
      const listPods = async () => (await this.store.list({ group: PODS.group, resource: PODS.resource, namespace: obj.metadata.name! })).items;
      return admitNamespacePodSecurity(obj, prior, listPods, this.podSecurityDefaults);
    }
    const namespace = await this.reads.namespaces.get('', obj.metadata.namespace!);
    return admitPodSecurity(type, obj, prior, namespace, this.podSecurityDefaults);
  }

  /** DefaultIngressClass: a classless Ingress gets the default IngressClass's name. */
  private async defaultIngressClass(obj: KubeObject): Promise<KubeObject> {
    const page = await this.store.list({ group: INGRESS_CLASSES.group, resource: INGRESS_CLASSES.resource });
    const name = defaultIngressClassName(obj, page.items);
    if (!name) return obj;
    const next = clone(obj);
    next.spec = { ...((obj.spec as object | undefined) ?? {}), ingressClassName: name };
    return next;
  }
}

function isPod(type: Kind): boolean {
  return type.group === '' && type.resource === 'pods';
}

function isIngress(type: Kind): boolean {
  return type.group === 'networking.k8s.io' && type.resource === 'ingresses';
}

function isClaim(type: Kind): boolean {
  return type.group === '' && type.resource === 'persistentvolumeclaims';
}

function isService(type: Kind): boolean {
  return type.group === '' && type.resource === 'services';
}

/** `pods "web" is forbidden: <reason>`, as admission.NewForbidden words it. */
function forbidden(type: Kind, obj: KubeObject, reason: string): ForbiddenError {
  const resource = type.group ? `${type.resource}.${type.group}` : type.resource;
  const name = obj.metadata.name;
  return new ForbiddenError(name ? `${resource} "${name}" is forbidden: ${reason}` : `${resource} is forbidden: ${reason}`, { kind: type.resource, group: type.group, name });
}
