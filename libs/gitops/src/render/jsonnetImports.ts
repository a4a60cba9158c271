import path from 'node:path';

/**
 * Import paths in a Jsonnet file that would read outside the repository. Debian's jsonnet reads
 * any file an `import`, `importstr` or `importbin` names, absolute paths included, and Jsonnet
 * imports are always string literals, so reading them from the text is enough to refuse them
 * before the tool runs. `fileDir` and `jpaths` are relative to the repository root; a relative
 * import is looked up beside the file and then in each jpath, and none of those may leave the root.
 *   import '/etc/passwd'              -> refused
 *   importstr '../../../secret.txt'   -> refused when it climbs above the root from any lookup folder
 *   import 'lib/frontend.libsonnet'   -> fine
 */
export function jsonnetImportEscapes(text: string, fileDir: string, jpaths: readonly string[]): string[] {
  const found: string[] = [];
  const literal = /\bimport(?:str|bin)?\s*(@?)(['"])((?:\\.|(?!\2).)*)\2/g;
  for (const m of text.matchAll(literal)) {
    const target = m[1] ? m[3].replace(/''|""/g, (q) => q[0]) : m[3].replace(/\\(.)/g, '$1');
    if (path.posix.isAbsolute(target)) {
      found.push(target);
      continue;
    }
    for (const base of [fileDir, ...jpaths]) {
      const resolved = path.posix.normalize(path.posix.join(base || '.', target));
      if (resolved === '..' || resolved.startsWith('../')) {
        found.push(target);
        break;
      }
    }
  }
  return found;
}
