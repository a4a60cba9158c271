import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redactCredentials } from '@skiff/apimachinery';
import { fetchLimitMessage, type FetchLimitExceeded, type FetchLimits } from './fetchLimits.js';
import { gitFailure, type GitFailure } from './gitResult.js';

/** An ssh repository's access, from Argo CD's repository Secret (`sshPrivateKey`, `insecure`) and known hosts. */
export interface SshAccess {
  privateKey: string;
  /** OpenSSH known_hosts lines (Argo CD's `argocd-ssh-known-hosts-cm` `ssh_known_hosts`). */
  knownHosts: string;
  /** Argo CD's `insecure: "true"`: accept any host key. */
  insecureIgnoreHostKey?: boolean;
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr: stderr || (err ? err.message : '') }));
  });
}

/** How often the incoming packfile's size is looked at. */
const PACK_POLL_MS = 200;

/**
 * `git fetch` bounded by `limits`: killed (its process group: git, ssh, index-pack) after
 * `timeoutMs`, or once the packfile it is receiving grows past `maxBytes`. With
 * `fetch.unpackLimit=1` git always keeps the received pack, which index-pack writes as it arrives
 * to `objects/pack/tmp_pack_*`, so polling that file's size sees the download without a proxy in
 * the ssh stream. There is no idle timeout on this path: the deadline bounds a stalled remote.
 */
function runFetch(args: string[], env: NodeJS.ProcessEnv, packDir: string, limits: FetchLimits): Promise<{ ok: boolean; stderr: string; exceeded?: FetchLimitExceeded }> {
  return new Promise((resolve) => {
    const child = spawn('git', ['-c', 'fetch.unpackLimit=1', ...args], { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let exceeded: FetchLimitExceeded | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 << 10) stderr += chunk.toString();
    });
    const stop = (limit: FetchLimitExceeded) => {
      exceeded ??= limit;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const deadline = setTimeout(() => stop({ limit: 'timeout', ms: limits.timeoutMs }), limits.timeoutMs);
    const checkSize = () => {
      if (incomingPackBytes(packDir) > limits.maxBytes) stop({ limit: 'size', bytes: limits.maxBytes });
    };
    // inotify sees each write of index-pack as it happens (a fast local transfer could outrun a
    // poll); the poll covers file systems without it.
    const watcher = watchDir(packDir, checkSize);
    const poll = setInterval(checkSize, PACK_POLL_MS);
    child.on('error', (err) => {
      stderr ||= err.message;
    });
    child.on('close', (code) => {
      clearTimeout(deadline);
      clearInterval(poll);
      watcher?.close();
      // A killed or failed fetch leaves its partial pack behind; it could be as big as the cap.
      if (code !== 0 || exceeded) removeIncomingPacks(packDir);
      resolve({ ok: code === 0 && !exceeded, stderr, exceeded });
    });
  });
}

function watchDir(dir: string, onChange: () => void): fs.FSWatcher | undefined {
  try {
    return fs.watch(dir, onChange).on('error', () => undefined);
  } catch {
    return undefined;
  }
}

function incomingPacks(packDir: string): string[] {
  try {
    return fs.readdirSync(packDir).filter((name) => name.startsWith('tmp_pack_')).map((name) => path.join(packDir, name));
  } catch {
    return []; // no pack directory yet
  }
}

function incomingPackBytes(packDir: string): number {
  return incomingPacks(packDir).reduce((total, file) => total + (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0), 0);
}

function removeIncomingPacks(packDir: string): void {
  for (const file of incomingPacks(packDir)) fs.rmSync(file, { force: true });
}

/**
 * Fetches `ref` of an ssh remote into `dir` (git dir `dir/.git`) with the git and ssh programs,
 * since isomorphic-git has no ssh transport; isomorphic-git reads the objects afterwards. The key
 * and known hosts live in a private directory for the fetch only; ssh checks the host key against
 * the known hosts (no prompt, no agent, no user config) unless the Secret says `insecure`.
 */
export async function fetchOverSsh(url: string, dir: string, ref: string, depth: number, access: SshAccess, limits: FetchLimits): Promise<{ ok: true; sha: string } | GitFailure> {
  const shown = redactCredentials(url);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-ssh-'));
  try {
    const key = path.join(work, 'key');
    const knownHosts = path.join(work, 'known_hosts');
    fs.writeFileSync(key, access.privateKey.endsWith('\n') ? access.privateKey : `${access.privateKey}\n`, { mode: 0o600 });
    fs.writeFileSync(knownHosts, access.knownHosts, { mode: 0o600 });
    const ssh = [
      'ssh', '-F', '/dev/null', '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=20',
      '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', `StrictHostKeyChecking=${access.insecureIgnoreHostKey ? 'no' : 'yes'}`,
    ];
    const env = { PATH: process.env.PATH, HOME: work, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_SSH_COMMAND: ssh.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ') };
    if (!fs.existsSync(path.join(dir, '.git', 'HEAD'))) {
      fs.rmSync(dir, { recursive: true, force: true });
      const init = await run(['init', '-q', dir], env, 30_000);
      if (!init.ok) return gitFailure('Fetch', `${shown}: git init: ${init.stderr.trim()}`);
    }
    const fetched = await runFetch(['-C', dir, 'fetch', '-q', '--no-tags', `--depth=${depth}`, '--', url, ref], env, path.join(dir, '.git', 'objects', 'pack'), limits);
    if (fetched.exceeded) return gitFailure('Fetch', `${shown}: ${fetchLimitMessage(fetched.exceeded)}`);
    if (!fetched.ok) return sshFailure(shown, ref, fetched.stderr);
    const sha = await run(['-C', dir, 'rev-parse', '--verify', 'FETCH_HEAD^{commit}'], env, 30_000);
    if (!sha.ok) return gitFailure('NotFound', `ref ${ref} not found at ${shown}`);
    const commit = sha.stdout.trim();
    // Keeps the fetched commit reachable for isomorphic-git and for git's own housekeeping.
    await run(['-C', dir, 'update-ref', 'refs/remotes/origin/skiff-fetched', commit], env, 30_000);
    return { ok: true, sha: commit };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function sshFailure(shown: string, ref: string, stderr: string): GitFailure {
  const text = redactCredentials(stderr.trim().split('\n').filter(Boolean).slice(-3).join('; '));
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
    return gitFailure('Unauthorized', `${shown}: the server's host key is not in the known hosts (add it to ConfigMap argocd-ssh-known-hosts-cm, key ssh_known_hosts): ${text}`);
  }
  if (/Permission denied|publickey/.test(stderr)) return gitFailure('Unauthorized', `${shown}: ${text}; check the repository's sshPrivateKey`);
  if (/couldn't find remote ref|not our ref/.test(stderr)) return gitFailure('NotFound', `ref ${ref} not found at ${shown}`);
  return gitFailure('Fetch', `${shown}: ${text}`);
}
