import type { ImageCondition } from '@skiff/apimachinery';

/**
 * The conditions with Ready set as given. `lastTransitionTime` moves only when the status does
 * (metav1.Condition's rule), so writing the same outcome twice changes nothing.
 */
export function withReady(conditions: readonly ImageCondition[] | undefined, ready: boolean, reason: string, message: string, now: string, generation: number | undefined): ImageCondition[] {
  const status = ready ? 'True' : 'False';
  const previous = conditions?.find((c) => c.type === 'Ready');
  const next: ImageCondition = {
    type: 'Ready',
    status,
    reason,
    message,
    lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : now,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  return [...(conditions ?? []).filter((c) => c.type !== 'Ready'), next];
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
