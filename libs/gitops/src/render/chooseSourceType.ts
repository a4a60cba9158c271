import type { RenderSource, SourceType } from './sourceSpec.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/**
 * How a folder is rendered, as Argo CD's repo server decides: an explicit `helm`, `kustomize` or
 * `directory` block in the source wins (an empty one, `directory: {}`, says nothing); otherwise a
 * kustomization file makes it Kustomize, a `Chart.yaml` Helm, and anything else is plain
 * manifests. Argo CD lets the kustomization win when a folder has both, and so do we.
 * `names` are the file names directly in the folder.
 */
export function chooseSourceType(source: RenderSource, names: readonly string[]): SourceType {
  const set = (v: object | undefined) => v !== undefined && v !== null && Object.keys(v).length > 0;
  if (set(source.helm)) return 'Helm';
  if (set(source.kustomize)) return 'Kustomize';
  if (set(source.directory)) return 'Directory';
  if (names.some((n) => (KUSTOMIZATION_FILES as readonly string[]).includes(n))) return 'Kustomize';
  if (names.includes('Chart.yaml')) return 'Helm';
  return 'Directory';
}
