import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface SshGitServer {
  port: number;
  /** The known_hosts line of the server's host key. */
  knownHosts: string;
  /** A private key the server accepts, and one it does not. */
  clientKey: string;
  strangerKey: string;
  /** `ssh://USER@127.0.0.1:PORT<repoPath>`. */
  urlOf(repoPath: string): string;
  stop(): Promise<void>;
}

function keyPair(file: string): { privateKey: string; publicKey: string } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'skiff-test', '-f', file]);
  return { privateKey: fs.readFileSync(file, 'utf8'), publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function accepting(port: number, deadlineMs: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A real OpenSSH server on 127.0.0.1 (its own host key, config and authorized key, in a temp dir)
 * that serves git over ssh as the current user: what a git host's ssh endpoint is.
 */
export async function startSshGitServer(): Promise<SshGitServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-sshd-'));
  const host = keyPair(path.join(dir, 'host_key'));
  const client = keyPair(path.join(dir, 'client_key'));
  const stranger = keyPair(path.join(dir, 'stranger_key'));
  fs.writeFileSync(path.join(dir, 'authorized_keys'), `${client.publicKey}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${path.join(dir, 'host_key')}`, `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'PermitRootLogin prohibit-password',
      `PidFile ${path.join(dir, 'sshd.pid')}`, 'LogLevel VERBOSE', '',
    ].join('\n'),
  );
  // sshd's privilege separation directory.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  let log = '';
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  await accepting(port, 10_000, child, () => log);
  const user = os.userInfo().username;
  return {
    port,
    knownHosts: `[127.0.0.1]:${port} ${host.publicKey}\n`,
    clientKey: client.privateKey,
    strangerKey: stranger.privateKey,
    urlOf: (repoPath) => `ssh://${user}@127.0.0.1:${port}${repoPath}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
