import type { ContainerConfig, Platform } from './types.js';

/** Written into `created` fields so the config (and so the image digest) does not change with the clock. */
export const IMAGE_CREATED = '1970-01-01T00:00:00Z';

export const DEFAULT_PLATFORM: Platform = { architecture: 'amd64', os: 'linux' };

/** The OCI image configuration document: what to run, and the diffIDs a runtime verifies layers against. */
export interface ImageConfigDocument {
  created: string;
  architecture: string;
  os: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: { created: string; created_by: string }[];
}

/**
 * Builds the configuration with fields in one fixed order and map keys sorted, so two callers
 * that mean the same image (labels listed in another order) get the same config digest. `Env`
 * keeps its order: a later entry for the same name wins.
 */
export function imageConfig(diffIds: readonly string[], config: ContainerConfig = {}, platform: Platform = DEFAULT_PLATFORM): ImageConfigDocument {
  const runConfig: ContainerConfig = {};
  if (config.Entrypoint !== undefined) runConfig.Entrypoint = [...config.Entrypoint];
  if (config.Cmd !== undefined) runConfig.Cmd = [...config.Cmd];
  if (config.Env !== undefined) runConfig.Env = [...config.Env];
  if (config.WorkingDir !== undefined) runConfig.WorkingDir = config.WorkingDir;
  if (config.User !== undefined) runConfig.User = config.User;
  if (config.ExposedPorts !== undefined) runConfig.ExposedPorts = sortedKeys(config.ExposedPorts);
  if (config.StopSignal !== undefined) runConfig.StopSignal = config.StopSignal;
  if (config.Labels !== undefined) runConfig.Labels = sortedKeys(config.Labels);

  return {
    created: IMAGE_CREATED,
    architecture: platform.architecture,
    os: platform.os,
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: [...diffIds] },
    history: diffIds.map((_, i) => ({ created: IMAGE_CREATED, created_by: `@skiff/oci buildImage: layer ${i + 1} of ${diffIds.length}` })),
  };
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
