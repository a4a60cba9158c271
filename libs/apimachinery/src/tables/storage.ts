import { canonicalQuantity } from '../exactQuantity.js';
import { isDefaultStorageClass } from '../storage/persistentVolumeClaims.js';
import { AGE, column as typedColumn, NAME, type Printer, type TableColumnDefinition } from './columns.js';
import { isObject, objectAt, since, text, type Json } from './format.js';

/**
 * `kubectl get pv|pvc|sc` as kubectl 1.32 prints them (pkg/printers/internalversion
 * printPersistentVolume, printPersistentVolumeClaim, printStorageClass).
 */

function column(name: string, description: string, priority = 0): TableColumnDefinition {
  return typedColumn(name, 'string', description, priority);
}

const ACCESS_MODE_ABBREVIATIONS: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** helper.GetAccessModesAsString: the abbreviations in a fixed order, whatever order the list has ("RWO,RWX"). */
export function accessModesString(modes: unknown): string {
  const set = new Set(Array.isArray(modes) ? modes.map(text) : []);
  return ACCESS_MODE_ABBREVIATIONS.filter(([mode]) => set.has(mode))
    .map(([, abbreviation]) => abbreviation)
    .join(',');
}

function className(o: Json): string {
  const spec = objectAt(o, 'spec');
  if (typeof spec.storageClassName === 'string') return spec.storageClassName;
  return text(objectAt(o, 'metadata', 'annotations')['volume.beta.kubernetes.io/storage-class']);
}

/** "<unset>" when the field is absent, as kubectl prints an unset pointer. */
function unsetOr(v: unknown): string {
  return typeof v === 'string' ? v : '<unset>';
}

function phaseOf(o: Json): string {
  return objectAt(o, 'metadata').deletionTimestamp ? 'Terminating' : text(objectAt(o, 'status').phase);
}

export const persistentVolumePrinter: Printer = {
  columns: [
    NAME,
    column('Capacity', "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    column('Access Modes', 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes'),
    column(
      'Reclaim Policy',
      'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
    ),
    column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase'),
    column(
      'Claim',
      'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
    ),
    column('StorageClass', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    column('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE,
    column('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.', 1),
  ],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    const claim = isObject(spec.claimRef) ? `${text(spec.claimRef.namespace)}/${text(spec.claimRef.name)}` : '';
    return {
      cells: [
        text(objectAt(o, 'metadata').name),
        canonicalQuantity(objectAt(spec, 'capacity').storage ?? '0'),
        accessModesString(spec.accessModes),
        text(spec.persistentVolumeReclaimPolicy),
        phaseOf(o),
        claim,
        className(o),
        unsetOr(spec.volumeAttributesClassName),
        text(objectAt(o, 'status').reason),
        since(objectAt(o, 'metadata').creationTimestamp, now),
        unsetOr(spec.volumeMode),
      ],
    };
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    NAME,
    column('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1'),
    column('StorageClass', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    AGE,
    column('VolumeMode', 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', 1),
  ],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    const status = objectAt(o, 'status');
    const volumeName = text(spec.volumeName);
    // Capacity and modes are the bound volume's, shown only once there is one.
    const capacity = volumeName ? canonicalQuantity(objectAt(status, 'capacity').storage ?? '0') : '';
    const modes = volumeName ? accessModesString(status.accessModes) : '';
    return {
      cells: [
        text(objectAt(o, 'metadata').name),
        phaseOf(o),
        volumeName,
        capacity,
        modes,
        className(o),
        unsetOr(spec.volumeAttributesClassName),
        since(objectAt(o, 'metadata').creationTimestamp, now),
        unsetOr(spec.volumeMode),
      ],
    };
  },
};

export const storageClassPrinter: Printer = {
  columns: [
    NAME,
    column('Provisioner', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
    column(
      'VolumeBindingMode',
      'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.',
    ),
    column('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    AGE,
  ],
  cells: (o, now) => {
    const meta = objectAt(o, 'metadata');
    const isDefault = isDefaultStorageClass({ metadata: { annotations: objectAt(meta, 'annotations') as Record<string, string> }, provisioner: '' });
    return {
      cells: [
        `${text(meta.name)}${isDefault ? ' (default)' : ''}`,
        text(o.provisioner),
        text(o.reclaimPolicy) || 'Delete',
        text(o.volumeBindingMode) || 'Immediate',
        o.allowVolumeExpansion === true,
        since(meta.creationTimestamp, now),
      ],
    };
  },
};
