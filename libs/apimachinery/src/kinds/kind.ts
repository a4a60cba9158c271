import type { ListStrategy } from '../patchSchema.js';
import type { OpenApiSchemas } from './openapi/openApiSchemas.js';
import type { ProtobufMessage } from '../protobuf/message.js';
import type { ResourceType } from '../resources.js';
import type { Printer } from '../tables/columns.js';
import type { KubeObject } from '../types.js';
import type { FieldErrors } from '../validation/fieldErrors.js';

/**
 * Everything Skiff knows about one kind, in one place (Kubernetes spreads it over a type, a
 * registry strategy, validation, defaulting, a printer and generated protobuf/OpenAPI; Skiff keeps
 * it together). REST, validation, defaulting, Table printing, strategic merge, server-side apply,
 * protobuf decoding, GitOps drift and discovery all read it. Adding a kind means adding one
 * definition (see `kinds/README.md`) and, if it has one, its controller.
 *
 * `T` is the kind's shape from `kubernetes-types`; the hooks receive a copy they may change.
 */
export interface Kind<T extends object = KubeObject> extends ResourceType {
  /** Kubernetes' defaulting (SetDefaults_*), in place; must never overwrite a value the user set. */
  defaults?(obj: T): void;
  /** Create and update validation (Validate*), appending field errors with Kubernetes' paths. */
  validate?(obj: T, errs: FieldErrors): void;
  /** What an update may not change (Validate*Update), beyond the metadata rules every kind has. */
  validateUpdate?(next: T, prev: T, errs: FieldErrors): void;
  /**
   * The strategy's PrepareForCreate beyond the generic rule (a kind with a `status` subresource
   * starts with no status): e.g. a Pod starts Pending with its QoS class.
   */
  prepareForCreate?(obj: T): void;
  /** The strategy's PrepareForUpdate of the main resource, after the generic rule (status is kept). */
  prepareForUpdate?(next: T, old: T): void;
  /** A PUT of a missing object creates it (Kubernetes' AllowCreateOnUpdate). */
  allowCreateOnUpdate?: boolean;
  /**
   * Seconds a delete waits for something outside the API server (a node stopping a pod's
   * containers) before the object goes; 0 or absent: it goes as soon as no finalizer holds it.
   */
  deletionGracePeriod?(obj: T, requested: number | undefined): number;
  /**
   * Finalizer names without a domain prefix this kind accepts besides Kubernetes' standard ones
   * (Argo CD's `resources-finalizer.argocd.argoproj.io`, which a CRD's objects may carry).
   */
  finalizerNames?: readonly string[];
  /** Holders besides `metadata.finalizers` (a Namespace's `spec.finalizers`). */
  kindFinalizers?(obj: T): readonly string[];
  /** What marking the object for deletion also changes (a Namespace turns Terminating). */
  prepareForDelete?(obj: T): void;
  /** `kubectl get` columns (kube-apiserver's TableGenerator). */
  printer?: Printer;
  /**
   * Strategic-merge list strategies by dotted path (`spec.template.spec.containers`), used by
   * strategic merge patch, server-side apply and GitOps drift alike. Metadata's are shared by all.
   */
  lists?: Readonly<Record<string, ListStrategy>>;
  /** How the `/scale` subresource reads the kind, where it differs from Deployments'. */
  scale?: ScaleView<T>;
  /** A PUT must carry the resourceVersion it replaces (custom resources: Kubernetes' AllowUnconditionalUpdate false). */
  allowUnconditionalUpdate?: boolean;
  /** Strategic merge patch applies (built-in kinds); custom resources answer it with 415. */
  strategicMergePatch?: boolean;
  /**
   * Drops the fields the kind's schema does not declare (custom resources' pruning), in place,
   * returning their paths (`spec.foo`) for fieldValidation to report.
   */
  prune?(obj: T): string[];
  /** The apiVersion objects are stored under when the kind is served in several versions (conversion None). */
  storageApiVersion?: string;
  /** Field numbers of the kind's protobuf message (k8s.io/api generated.proto), where kubectl sends protobuf. */
  protobuf?: ProtobufMessage;
  /** Its OpenAPI v3 schema, served under /openapi/v3 (what `kubectl explain` reads); the API server marks its root with the group, version and kind. */
  openApi?: OpenApiSchemas;
  /**
   * Set on a second served version of a stored kind (autoscaling/v1 of HorizontalPodAutoscaler):
   * objects are stored as `storage` and converted at the API's edge, both ways.
   */
  conversion?: KindConversion;
  /**
   * Fields the API server's watch cache indexes besides the namespace and `metadata.name`, for
   * the equality field selectors components list by (kube-apiserver's pod index on spec.nodeName).
   */
  cacheIndexes?: readonly string[];
}

export interface ScaleView<T extends object = KubeObject> {
  /** Where replicas are read and written, as JSONPaths (a custom resource's `subresources.scale`). Default `.spec.replicas`. */
  specReplicasPath?: string;
  /** Default `.status.replicas`. */
  statusReplicasPath?: string;
  /** The label selector as a string. Default: `spec.selector` read as a LabelSelector. */
  selector?(obj: T): string;
}

export interface KindConversion {
  storage: Kind;
  /** This version's object as the storage version (before defaulting and validation). */
  toStorage(obj: KubeObject): KubeObject;
  /** A stored object as this version. */
  fromStorage(obj: KubeObject): KubeObject;
}

/** A kind whose hooks are typed with its own shape, registered among kinds typed as objects. */
export function defineKind<T extends object>(kind: Kind<T>): Kind {
  return kind as unknown as Kind;
}

/**
 * The kind's shape of an object the API server has validated (objects are validated, not typed,
 * at the API edge, so this is where a stored object is read as its kind).
 */
export function shape<T extends object>(obj: KubeObject): T {
  return obj as unknown as T;
}
