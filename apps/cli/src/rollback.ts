import { redactCredentials } from '@skiff/apimachinery';
import { cloneOrFetch, commitInfo, entriesOfEnvironment, resolveRevision, revertCommit, revertTo, rollbackRemote } from '@skiff/gitops';
import { credentialLookup, DEFAULT_REPO_SECRETS_NAMESPACE, localRepoPath, specOf, statusOf } from '@skiff/git-watcher';
import { pino } from 'pino';
import { APPLICATIONS, rollbackTarget } from './appCommands.js';
import { clientFromKubeconfig } from './agent.js';

const AUTHOR = { name: process.env.GIT_AUTHOR_NAME ?? 'Skiff', email: process.env.GIT_AUTHOR_EMAIL ?? 'skiff@localhost' };

/**
 * `skiff rollback APP [REVISION]`: rollback is a commit, never a fight with auto-sync. Without a
 * revision it reverts the commit the Application runs (git revert); with one, it commits a tree
 * equal to that revision's. Local repositories get the commit in place; remote ones are cloned,
 * committed to and pushed (SKIFF_GIT_USERNAME / SKIFF_GIT_PASSWORD). The git watcher then syncs
 * the new commit like any other.
 */
export async function rollback(name: string, target: string | undefined, opts: { namespace: string; kubeconfig: string }): Promise<void> {
  const { client } = clientFromKubeconfig(opts.kubeconfig);
  const app = await client.get(APPLICATIONS, opts.namespace, name);
  const spec = specOf(app);
  let revision: string | undefined;
  if (target !== undefined) {
    const chosen = rollbackTarget(target, statusOf(app).history ?? []);
    if ('error' in chosen) throw new Error(chosen.error);
    revision = chosen.revision;
    if (chosen.fromHistory) console.log(`history id ${target} is revision ${revision.slice(0, 7)}`);
  }
  const dir = localRepoPath(spec.source.repoURL);
  if (!dir) {
    // A remote: clone, commit, push with the credentials the git watcher uses.
    const live = statusOf(app).sync?.revision;
    const branch = spec.source.targetRevision && spec.source.targetRevision !== 'HEAD' ? spec.source.targetRevision : 'main';
    const credentials = credentialLookup({ client, namespace: DEFAULT_REPO_SECRETS_NAMESPACE, env: entriesOfEnvironment(process.env), log: pino({ level: 'silent' }) });
    const auth = await credentials(spec.source.repoURL);
    const pushed = await rollbackRemote({ url: spec.source.repoURL, branch, author: AUTHOR, auth, ...(revision ? { to: revision } : { revert: live }) });
    if (!pushed.ok) throw new Error(pushed.errors.map((e) => e.message).join('; '));
    console.log(`pushed ${pushed.sha.slice(0, 7)} to ${branch} of ${redactCredentials(spec.source.repoURL)}`);
    console.log(`the git watcher syncs it on its next fetch (or at once with a push webhook); watch with: kubectl get app ${name} -n ${opts.namespace} -w`);
    return;
  }
  const repo = await cloneOrFetch({ url: dir, cacheDir: dir, ref: spec.source.targetRevision || 'HEAD' });
  if (!repo.ok) throw new Error(repo.errors.map((e) => e.message).join('; '));
  let result;
  if (revision) {
    const target = await resolveRevision(repo.gitdir, revision);
    if (!target.ok) throw new Error(target.errors.map((e) => e.message).join('; '));
    result = await revertTo({ dir, targetSha: target.sha, author: AUTHOR });
  } else {
    const live = statusOf(app).sync?.revision ?? repo.sha;
    result = await revertCommit({ dir, sha: live, author: AUTHOR });
  }
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
  const info = await commitInfo(repo.gitdir, result.sha);
  console.log(`committed ${result.sha.slice(0, 7)} on ${result.branch}: ${info.message}`);
  console.log(`the git watcher syncs it next; watch with: kubectl get app ${name} -n ${opts.namespace} -w`);
}
