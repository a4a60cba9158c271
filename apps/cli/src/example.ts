import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import * as fs from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import git from 'isomorphic-git';
import { AlreadyExistsError } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';

const EXAMPLES = fileURLToPath(new URL('../../../examples-repo', import.meta.url));
const AUTHOR = { name: 'Skiff', email: 'skiff@localhost' };

/**
 * At first start: a git repository in DIR/repo holding examples-repo. Later starts leave it as it
 * is (the user's commits). Needs no API server: `skiff up` makes it while the API server starts.
 */
export async function ensureExampleRepo(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'repo');
  if (!existsSync(join(dir, '.git'))) {
    cpSync(EXAMPLES, dir, { recursive: true });
    await git.init({ fs, dir, defaultBranch: 'main' });
    for (const file of walk(dir)) await git.add({ fs, dir, filepath: relative(dir, file) });
    await git.commit({ fs, dir, author: AUTHOR, message: 'The example app: frontend and backend' });
  }
  return dir;
}

/**
 * At first start, an Application that syncs the example repository's (ensureExampleRepo) `deploy`
 * folder (container images) or `deploy-processes` (host processes, for `--runtime process`) into
 * the `demo` namespace (automated, prune, self-heal). Commits to that repository deploy. Later
 * starts leave the Application as it is (the user's edits).
 */
export async function ensureExampleApplication(client: ApiClient, dir: string, path: 'deploy' | 'deploy-processes' = 'deploy'): Promise<{ repo: string; application: string; path: string }> {
  const application = {
    apiVersion: 'skiff.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'demo', namespace: 'default' },
    spec: {
      source: { repoURL: dir, targetRevision: 'main', path },
      destination: { namespace: 'demo' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    },
  };
  try {
    await client.create(resourceType('applications', 'skiff.dev'), application);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  return { repo: dir, application: 'default/demo', path };
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
