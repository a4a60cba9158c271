import type { DirectorySource } from './sourceSpec.js';

/**
 * The arguments of Debian's `jsonnet` for one file: the Application's library folders
 * (`directory.jsonnet.libs`, relative to the repository root) as `-J`, ext vars and top-level
 * arguments as strings or, with `code: true`, as Jsonnet code.
 */
export function jsonnetArgs(file: string, jsonnet: DirectorySource['jsonnet'], repoRoot: string): string[] {
  const args: string[] = [];
  for (const lib of jsonnet?.libs ?? []) args.push('-J', `${repoRoot}/${lib.replace(/^\.?\/+/, '')}`);
  for (const v of jsonnet?.extVars ?? []) args.push(v.code ? '--ext-code' : '--ext-str', `${v.name}=${v.value}`);
  for (const v of jsonnet?.tlas ?? []) args.push(v.code ? '--tla-code' : '--tla-str', `${v.name}=${v.value}`);
  args.push(file);
  return args;
}
