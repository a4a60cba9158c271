/**
 * The annotations, labels, finalizers and names volume binding and provisioning agree on. The
 * `pv.kubernetes.io` and `volume.kubernetes.io` ones are Kubernetes' own (pkg/controller/volume/
 * persistentvolume/util), so objects look to kubectl and to users as they do on a real cluster.
 */

/** On a claim: the PV controller finished binding it (set with spec.volumeName). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a claim or volume: the controller (not the user) filled volumeName / claimRef. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a volume: which provisioner made it (and so which one deletes it). */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** On a claim: the provisioner asked to make a volume for it. */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a claim: the node the scheduler picked for its first consumer (WaitForFirstConsumer). */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** On a StorageClass: the class claims without one get. */
export const ANN_DEFAULT_STORAGE_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_STORAGE_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
/** The class a claim or volume had before spec.storageClassName existed; still honoured. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

/** Skiff's node-local provisioner (Rancher's local-path-provisioner, built in). */
export const LOCAL_PATH_PROVISIONER = 'skiff.dev/local-path';
/** The StorageClass every cluster starts with. */
export const LOCAL_PATH_STORAGE_CLASS = 'local-path';
/**
 * Keeps a provisioned local volume until the node agent of its node has removed the directory:
 * only that agent can, and the PV object is the only record of where the data is.
 */
export const LOCAL_PATH_CLEANUP_FINALIZER = 'skiff.dev/local-path-cleanup';
/** On a Node: where its agent keeps local volumes (`<data dir>/volumes`). */
export const ANN_NODE_VOLUME_DIR = 'skiff.dev/volume-dir';
/** The label every node carries with its own name, which local volumes' node affinity selects. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
/** Keeps a claim while a scheduled pod names it (Kubernetes' StorageObjectInUseProtection). */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
/** Keeps a volume while it is bound to a claim. */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
