/**
 * How an Application's folder is rendered: the `spec.source.helm`, `spec.source.kustomize` and
 * `spec.source.directory` fields, named exactly as Argo CD names them (the argoproj.io face of
 * Application reuses this spec). `kustomize.allowRemoteBases` is Skiff's own.
 */
export interface HelmParameter {
  name: string;
  value: string;
  /** `--set-string` instead of `--set`: the value stays a string even when it looks like a number. */
  forceString?: boolean;
}

export interface HelmSource {
  /** Values files, relative to the chart's folder (may point elsewhere in the repository). */
  valueFiles?: string[];
  /** A missing values file is skipped instead of failing the render. */
  ignoreMissingValueFiles?: boolean;
  /** Values as a YAML string; wins over valueFiles. */
  values?: string;
  /** Values as an object; replaces `values` when both are set (as in Argo CD). */
  valuesObject?: Record<string, unknown>;
  /** `--set` / `--set-string`; win over every values source. */
  parameters?: HelmParameter[];
  /** Defaults to the Application's name. */
  releaseName?: string;
  /** Leave the chart's crds/ out (`helm template` without `--include-crds`). */
  skipCrds?: boolean;
}

export interface KustomizeSource {
  /** `name=newName:tag`, `name:tag` or `name@digest`, as `kustomize edit set image` takes them. */
  images?: string[];
  namePrefix?: string;
  nameSuffix?: string;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  namespace?: string;
  /** Resources and bases outside the repository (URLs, git@..., github.com/...) are refused unless this is true. */
  allowRemoteBases?: boolean;
}

export interface JsonnetVar {
  name: string;
  value: string;
  /** The value is Jsonnet code, not a string. */
  code?: boolean;
}

export interface DirectorySource {
  /** Read subfolders too. Skiff's default is true (Argo CD's is false): see the README. */
  recurse?: boolean;
  /** A glob (or `{a,b}` of globs) a file must match to be read. */
  include?: string;
  /** A glob a file must not match; wins over include. */
  exclude?: string;
  jsonnet?: { extVars?: JsonnetVar[]; tlas?: JsonnetVar[]; libs?: string[] };
}

export interface RenderSource {
  path?: string;
  helm?: HelmSource;
  kustomize?: KustomizeSource;
  directory?: DirectorySource;
}

export type SourceType = 'Helm' | 'Kustomize' | 'Directory';
