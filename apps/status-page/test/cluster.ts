import { execFileSync } from 'node:child_process';
import { startCluster as startSkiff, type TestCluster } from '../../cli/test/cluster.js';

export type { TestCluster };

/** `skiff up` the way a user runs it, with the example repository and Application (the CLI tests' helper). */
export function startCluster(opts: { nodes?: number } = {}): Promise<TestCluster> {
  return startSkiff({ nodes: opts.nodes ?? 2, example: true });
}

export function gitIn(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    env: { ...process.env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' },
  })
    .toString()
    .trim();
}
