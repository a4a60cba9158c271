import { describe, expect, it } from 'vitest';
import { jsonnetImportEscapes } from './jsonnetImports.js';

describe('jsonnetImportEscapes', () => {
  it.each([
    { text: "local f = import 'frontend.libsonnet';", dir: 'apps/web', want: [] },
    { text: "import 'lib/x.libsonnet'", dir: 'apps/web', want: [] },
    { text: "import '../../shared/x.libsonnet'", dir: 'apps/web', want: [] },
    { text: "import '/etc/passwd'", dir: 'apps/web', want: ['/etc/passwd'] },
    { text: 'importstr "../../../secret.txt"', dir: 'apps/web', want: ['../../../secret.txt'] },
    { text: "importbin @'/etc/shadow'", dir: '', want: ['/etc/shadow'] },
    // From a jpath at the root, one level up already leaves the repository.
    { text: "import '../x.libsonnet'", dir: 'apps/web', jpaths: [''], want: ['../x.libsonnet'] },
  ])('$text in $dir -> $want', ({ text, dir, jpaths, want }) => {
    expect(jsonnetImportEscapes(text, dir, jpaths ?? [])).toEqual(want);
  });
});
