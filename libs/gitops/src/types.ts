import type { KubeObject } from '@skiff/apimachinery';

/** One file of a git checkout, path relative to the repository root. */
export interface ManifestFile {
  path: string;
  text: string;
}

/** One object declared in git, with where it came from so errors and drift can point back at the file. */
export interface Manifest {
  object: KubeObject;
  file: string;
  /** 1-based line of the document's first content line (for a `List` item or JSON array element: of the item). */
  line: number;
  /** Index of the YAML document in the file (empty documents count, as `---` separators do). */
  index: number;
  /** Position inside a `kind: List` or a JSON array, when the object came from one. */
  item?: number;
}

export interface ManifestError {
  file: string;
  line: number;
  field?: string;
  message: string;
}

export type ParseManifestsResult = { ok: true; objects: Manifest[] } | { ok: false; errors: ManifestError[] };
