import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { VolumePhase } from './planVolumeSync.js';

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whether the volume's status already says `want` (phase, and the reason and message that go with it). */
export function hasPhase(volume: PersistentVolume, want: VolumePhase): boolean {
  const s = volume.status ?? {};
  return s.phase === want.phase && (s.reason ?? undefined) === want.reason && (s.message ?? undefined) === want.message;
}

/** A copy of the volume in `want`, stamped with when the phase changed (status.lastPhaseTransitionTime). */
export function volumeWithPhase(volume: PersistentVolume, want: VolumePhase, now: Date): PersistentVolume {
  const current = volume.status ?? {};
  const status: NonNullable<PersistentVolume['status']> = { ...current, phase: want.phase };
  delete status.reason;
  delete status.message;
  if (want.reason !== undefined) status.reason = want.reason;
  if (want.message !== undefined) status.message = want.message;
  if (current.phase !== want.phase) status.lastPhaseTransitionTime = rfc3339(now);
  return { ...volume, status };
}
