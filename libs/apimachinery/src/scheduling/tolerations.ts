/** The parts of a core/v1 Taint and Toleration that matching reads (kubernetes-types' and the scheduler's shapes both fit). */
export interface TaintLike {
  key: string;
  value?: string;
  effect: string;
}

export interface TolerationLike {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/**
 * Whether one toleration tolerates one taint, as the scheduler, the DaemonSet controller and the
 * taint eviction all decide it: an empty effect tolerates every effect; an empty key with `Exists`
 * tolerates every taint (validation allows an empty key only with `Exists`); `Equal`, the default
 * operator, also compares values.
 */
export function toleratesTaint(toleration: TolerationLike, taint: TaintLike): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator || 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** The first taint with one of `effects` that no toleration covers. */
export function untoleratedTaint<T extends TaintLike>(taints: readonly T[], tolerations: readonly TolerationLike[], effects: readonly string[]): T | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}
