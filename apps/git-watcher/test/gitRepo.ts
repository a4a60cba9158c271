import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() };

export function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: ENV }).toString().trim();
}

/**
 * A throwaway work-tree repository committed to with the `git` CLI, the way a user does:
 * `commit({ 'deploy/cm.yaml': text, 'deploy/old.yaml': null }, 'message')` writes or deletes the
 * files and returns the new HEAD. With `bare`, every commit is also pushed to a bare repository
 * `<root>/<name>.git` (served over HTTP by the remote tests).
 */
export function makeRepo(opts: { branch?: string; bare?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'skiff-gw-repo-'));
  const dir = join(root, 'work');
  const branch = opts.branch ?? 'main';
  mkdirSync(dir);
  git(dir, ['init', '-q', '-b', branch]);
  const bareDir = opts.bare ? join(root, `${opts.bare}.git`) : undefined;
  if (bareDir) {
    execFileSync('git', ['init', '-q', '--bare', '-b', branch, bareDir], { env: ENV });
    git(dir, ['remote', 'add', 'origin', bareDir]);
  }
  return {
    root,
    dir,
    bareDir,
    branch,
    commit(files: Record<string, string | null>, message: string): string {
      for (const [p, text] of Object.entries(files)) {
        if (text === null) {
          git(dir, ['rm', '-q', p]);
        } else {
          mkdirSync(dirname(join(dir, p)), { recursive: true });
          writeFileSync(join(dir, p), text);
          git(dir, ['add', p]);
        }
      }
      git(dir, ['commit', '-q', '-m', message]);
      if (bareDir) git(dir, ['push', '-q', 'origin', branch]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export type TestRepo = ReturnType<typeof makeRepo>;

export function configMapYaml(name: string, data: Record<string, string>, extra = ''): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${extra}data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
  .join('\n')}
`;
}

export function serviceYaml(name: string, port = 80): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - name: http
      port: ${port}
      targetPort: 8080
`;
}
