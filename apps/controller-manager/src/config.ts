import { DEFAULT_EVICTION_RATES, type EvictionRates } from './nodelifecycle/zoneStates.js';

/** Settings shared by the controllers; `skiff up` shortens the node timings. */
export interface ControllerConfig extends EvictionRates {
  /** A node whose Lease was not renewed for this long is NotReady (kube-controller-manager: 40 s). */
  nodeMonitorGraceMs: number;
  /** Pods on a NotReady node are evicted after this long (Kubernetes' default toleration: 300 s). */
  podEvictionTimeoutMs: number;
  /** Pods bound to a node that does not exist go after this long (the pod GC's quarantine: 40 s). */
  podGcQuarantineMs: number;
  /** How often each HPA is evaluated (--horizontal-pod-autoscaler-sync-period: 15 s). */
  hpaSyncPeriodMs: number;
  /** HPAs without behavior scale down to the highest recommendation of this window (--horizontal-pod-autoscaler-downscale-stabilization: 5 min). */
  hpaDownscaleStabilizationMs: number;
  /** Usage within this ratio of the target leaves the count alone (--horizontal-pod-autoscaler-tolerance: 0.1). */
  hpaTolerance: number;
  /** The cluster CA root-ca-cert-publisher puts in every namespace's kube-root-ca.crt (--root-ca-file); unset, it does not run. */
  rootCaPem?: string;
}

export const DEFAULT_CONFIG: ControllerConfig = {
  nodeMonitorGraceMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  podGcQuarantineMs: 40_000,
  hpaSyncPeriodMs: 15_000,
  hpaDownscaleStabilizationMs: 300_000,
  hpaTolerance: 0.1,
  ...DEFAULT_EVICTION_RATES,
};
