import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN } from '../../apiserver/test/harness.js';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Writes a kubeconfig for `server` as the test admin, for the CLI's `--kubeconfig`. */
export function writeAdminKubeconfig(file: string, server: string): void {
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server } }],
      users: [{ name: 'admin', user: { token: ADMIN_TOKEN } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'admin' } }],
      'current-context': 'c',
    }),
  );
}

/** Runs the real `skiff` CLI with `args` and `--kubeconfig kubeconfig`. */
export function skiffWith(kubeconfig: () => string) {
  return (args: string[]) => skiff([...args, '--kubeconfig', kubeconfig()]);
}

/** Runs the real `skiff` CLI with `args`. */
export function skiff(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}
