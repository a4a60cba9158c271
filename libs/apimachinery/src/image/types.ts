import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/**
 * The image automation kinds as Flux serves them (`image.toolkit.fluxcd.io/v1beta2`): the
 * image-reflector-controller's ImageRepository and ImagePolicy and the image-automation-controller's
 * ImageUpdateAutomation. Field names are Flux's so manifests move between the two unchanged.
 */
export const IMAGE_GROUP = 'image.toolkit.fluxcd.io';
export const IMAGE_VERSION = 'v1beta2';

/** A `metav1.Condition` as Flux writes them (Ready, Reconciling, Stalled). */
export interface ImageCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ImageRepository {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    /** `127.0.0.1:5000/hello`, `ghcr.io/team/app`, `nginx` (Docker Hub). */
    image: string;
    /** Go duration between scans: `1m`. */
    interval: string;
    /** A kubernetes.io/dockerconfigjson Secret in the same namespace holding the registry's credentials. */
    secretRef?: { name: string };
    /** Plain HTTP (loopback registries use it anyway). */
    insecure?: boolean;
    /** Regular expressions; a tag matching any of them is not listed. */
    exclusionList?: string[];
    timeout?: string;
    suspend?: boolean;
  };
  status?: {
    canonicalImageName?: string;
    lastScanResult?: { tagCount: number; scanTime: string; latestTags?: string[] };
    /** The tags of the last scan, which the ImagePolicies of this repository choose from (Flux keeps them in a database). */
    tags?: string[];
    observedGeneration?: number;
    observedExclusionList?: string[];
    conditions?: ImageCondition[];
  };
}

export interface ImagePolicyChoice {
  semver?: { range: string };
  alphabetical?: { order?: 'asc' | 'desc' };
  numerical?: { order?: 'asc' | 'desc' };
}

export interface ImagePolicy {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    imageRepositoryRef: { name: string; namespace?: string };
    policy: ImagePolicyChoice;
    filterTags?: { pattern?: string; extract?: string };
  };
  status?: {
    /** `<image>:<tag>` of the chosen tag. */
    latestImage?: string;
    latestRef?: { name: string; tag: string };
    observedPreviousImage?: string;
    observedGeneration?: number;
    conditions?: ImageCondition[];
  };
}

export interface ImageUpdateAutomation {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    /**
     * Skiff has no GitRepository kind: the source is an Application (`skiff.dev/v1alpha1`), whose
     * `spec.source.repoURL` and `targetRevision` name the repository and default branch.
     */
    sourceRef: { kind: string; name: string; namespace?: string; apiVersion?: string };
    git?: {
      checkout?: { ref?: { branch?: string } };
      commit: { author: { name?: string; email: string }; messageTemplate?: string };
      push?: { branch?: string };
    };
    interval: string;
    update?: { path?: string; strategy?: 'Setters' };
    /** Only these ImagePolicies (a label selector); all in the namespace when absent. */
    policySelector?: { matchLabels?: Record<string, string> };
    suspend?: boolean;
  };
  status?: {
    lastAutomationRunTime?: string;
    lastPushCommit?: string;
    lastPushTime?: string;
    observedSourceRevision?: string;
    observedPolicies?: Record<string, { name: string; tag: string }>;
    observedGeneration?: number;
    conditions?: ImageCondition[];
  };
}
