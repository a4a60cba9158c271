import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { exitStatus, failureStatus, type RemoteCommandStreams } from '@skiff/streaming';
import { bubblewrapArgs, nodeHostFs, type HostFs } from './bubblewrapArgs.js';
import { MemoryCgroups } from './memoryCgroup.js';
import { cgroupWorkingSet, processTree, readProcessTable, sumProcesses } from '../stats/procUsage.js';
import { isSameProcessAlive, readProcStat, signalQuietly } from './procfs.js';
import { isCriRecord, type ContainerExit, type ContainerLaunch, type ContainerUsage, type ContainerRuntime, type ExecRequest, type ExecResult, type ProcessRecord, type RunningContainer, type RuntimeRecord, type StreamOptions } from './runtime.js';

/**
 * The `process` runtime: a container is a process started from its argv, its output appended to
 * the log file by the process itself, in its own session (so it outlives the agent and can be
 * adopted by the next one).
 *
 * With bubblewrap, a container gets its own pid, ipc and uts namespaces (hostname = pod name), a
 * read-only view of the host with its volumes bound at their mount paths, and private /tmp, /proc
 * and /dev. bubblewrap's --json-status-fd goes to a file, so the exit code survives the agent.
 *
 * Without isolation the process runs on the host as it is; volumes cannot be mounted, so each
 * container gets a stand-in root directory, `$SKIFF_ROOT`, in which every mount path is a symlink
 * to the volume (`$SKIFF_ROOT/etc/config/app.yaml`), and its own `$TMPDIR`. A small `/bin/sh`
 * monitor stands where bubblewrap would: it runs the command (not exec'ing it), passes signals on
 * by sharing its process group, and appends the exit code to the status file in bubblewrap's
 * format, so a container that ends while no agent is there still has its exit code.
 */

export interface ProcessRuntimeOptions {
  isolation: 'bubblewrap' | 'none';
  isolationMessage: string;
  log: Logger;
  bwrapPath?: string;
  nsenterPath?: string;
  cgroups?: MemoryCgroups;
  hostFs?: HostFs;
  /** How often adopted processes (not the agent's children) are checked for having exited. */
  pollMs?: number;
}

const STATUS_FD = 3;

/**
 * The plain runtime's monitor: `sh -c PLAIN_MONITOR skiff-container STATUS_FILE CGROUP_PROCS argv...`.
 * It joins the memory cgroup (when there is one) before starting the command, so the limit covers
 * the command from its first allocation. It traps SIGTERM (a handler, not an ignore, so the
 * command still gets the default action) and keeps waiting for the command, which gets the
 * signal too through the process group. A SIGKILL of the group takes the monitor along: the agent,
 * which then sees the monitor's own death, reports 137.
 */
export const PLAIN_MONITOR = [
  's=$1; g=$2; shift 2',
  'if [ -n "$g" ]; then echo $$ > "$g" || exit 126; fi',
  'trap : TERM INT HUP',
  '"$@"',
  'c=$?',
  `printf '{"exit-code": %d}\\n' "$c" >> "$s"`,
  'exit $c',
].join('\n');
const MONITOR_NAME = 'skiff-container';
const SIGNALS = osConstants.signals as Record<string, number>;

function exitFromCode(exitCode: number, cgroup: string | undefined, finishedAt: Date): ContainerExit {
  if (cgroup && exitCode !== 0 && MemoryCgroups.oomKilled(cgroup)) return { exitCode, reason: 'OOMKilled', finishedAt };
  return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt };
}

/** bubblewrap's status file: JSON documents, the first with "child-pid", the last (on exit) with "exit-code". */
export function readBubblewrapStatus(file: string): { childPid?: number; exitCode?: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const out: { childPid?: number; exitCode?: number } = {};
  for (const m of text.matchAll(/"(child-pid|exit-code)"\s*:\s*(-?\d+)/g)) {
    if (m[1] === 'child-pid') out.childPid = Number(m[2]);
    else out.exitCode = Number(m[2]);
  }
  return out;
}

/** The last bytes of a file, for messages explaining a failed start. */
function fileTail(file: string, bytes = 1024): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = statSync(file).size;
      const buf = Buffer.alloc(Math.min(bytes, size));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Finds a bare command name on PATH, as execvp would. */
export function findExecutable(command: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(':').filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Why `file` (a path, not a bare name) cannot be executed, as the exec of a container would fail. */
function notExecutable(file: string, cwd: string | undefined): string | undefined {
  const path = cwd ? resolvePath(cwd, file) : file;
  try {
    if (statSync(path).isDirectory()) return `exec: "${file}": is a directory`;
    accessSync(path, fsConstants.X_OK);
    return undefined;
  } catch (err) {
    return `exec: "${file}": ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : 'permission denied'}`;
  }
}

/**
 * The working directory of a plain container or exec in its stand-in root `root`: inside a volume
 * it is the volume (through its symlink in the root), else the host's directory if there is one,
 * else a directory of the stand-in root. `mounts` undefined (an exec, later): the symlinks in the
 * root tell which paths are volumes.
 */
function plainWorkingDir(wd: string | undefined, root: string, mounts: { containerPath: string }[] | undefined, create: boolean): string {
  if (!wd) return root;
  const inRoot = join(root, wd);
  const mounted = mounts ? mounts.some((m) => within(wd, m.containerPath)) : symlinkOnTheWay(root, wd);
  if (mounted) return inRoot;
  if (existsSync(wd)) return wd;
  if (create) mkdirSync(inRoot, { recursive: true });
  return create || existsSync(inRoot) ? inRoot : root;
}

/** Whether some leading part of `path` is a symlink (a volume) in the stand-in root. */
function symlinkOnTheWay(root: string, path: string): boolean {
  let p = root;
  for (const part of path.split('/').filter(Boolean)) {
    p = join(p, part);
    try {
      if (lstatSync(p).isSymbolicLink()) return true;
    } catch {
      return false;
    }
  }
  return false;
}

class ProcessContainer implements RunningContainer {
  readonly exited: Promise<ContainerExit>;
  private resolveExit!: (e: ContainerExit) => void;
  private done = false;
  private pendingSignal: 'SIGTERM' | 'SIGKILL' | undefined;

  constructor(
    readonly record: ProcessRecord,
    private readonly logFile: string | undefined,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get finished(): boolean {
    return this.done;
  }

  /** The sandbox init's pid, once bubblewrap has reported it. */
  sandboxPid(): number | undefined {
    if (this.record.isolation !== 'bubblewrap') return undefined;
    if (this.record.sandboxPid === undefined && this.record.statusFile) {
      const pid = readBubblewrapStatus(this.record.statusFile).childPid;
      if (pid !== undefined) {
        this.record.sandboxPid = pid;
        if (this.pendingSignal) this.signal(this.pendingSignal);
      }
    }
    return this.record.sandboxPid;
  }

  signal(sig: 'SIGTERM' | 'SIGKILL'): void {
    if (this.done || this.record.pid === 0) return;
    if (this.record.isolation === 'bubblewrap') {
      const sandbox = this.sandboxPid();
      if (sandbox === undefined) {
        // bubblewrap is still setting up; the signal goes out as soon as it reports the sandbox.
        this.pendingSignal = sig === 'SIGKILL' || !this.pendingSignal ? sig : this.pendingSignal;
        if (sig === 'SIGKILL' && this.record.cgroup) MemoryCgroups.killAll(this.record.cgroup);
        return;
      }
      // The command runs in the sandbox init's process group; the init itself, pid 1 of the
      // namespace, ignores SIGTERM and takes the namespace down with it on SIGKILL.
      signalQuietly(-sandbox, sig);
      if (sig === 'SIGKILL') signalQuietly(sandbox, sig);
    } else {
      signalQuietly(-this.record.pid, sig);
    }
    if (sig === 'SIGKILL' && this.record.cgroup) MemoryCgroups.killAll(this.record.cgroup);
  }

  finish(exit: ContainerExit): void {
    if (this.done) return;
    // A container ends with its main process: nothing it started may outlive it.
    if (this.record.pid !== 0) {
      if (this.record.isolation === 'none') signalQuietly(-this.record.pid, 'SIGKILL');
      else if (this.record.sandboxPid) signalQuietly(-this.record.sandboxPid, 'SIGKILL');
    }
    if (this.record.cgroup) MemoryCgroups.killAll(this.record.cgroup);
    this.done = true;
    if (this.record.isolation === 'bubblewrap' && exit.exitCode === 1 && exit.reason === 'Error' && this.logFile) {
      // bubblewrap itself failed (no such command, bad working directory): that is a start error.
      const line = fileTail(this.logFile).split('\n').reverse().find((l) => l.startsWith('bwrap: '));
      if (line) exit = { exitCode: 128, reason: 'StartError', message: line.slice('bwrap: '.length), finishedAt: exit.finishedAt };
    }
    this.resolveExit(exit);
  }
}

export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process';
  readonly logFormat = 'raw';
  readonly isolation: 'bubblewrap' | 'none';
  readonly isolationMessage: string;
  private readonly hostFs: HostFs;
  private readonly adopted = new Set<ProcessContainer>();
  private poller: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** After close() the containers this agent started are left for the next one, which adopts them. */
  private closed = false;

  get version(): string {
    return `process://${this.isolation}`;
  }

  constructor(private readonly opts: ProcessRuntimeOptions) {
    this.isolation = opts.isolation;
    this.isolationMessage = opts.isolationMessage;
    this.hostFs = opts.hostFs ?? nodeHostFs;
    // Cgroups of runs that ended while no agent was there to remove them.
    opts.cgroups?.sweep();
  }

  async start(launch: ContainerLaunch): Promise<RunningContainer> {
    return this.startProcess(launch);
  }

  private startProcess(launch: ContainerLaunch): RunningContainer {
    mkdirSync(launch.containerDir, { recursive: true });
    mkdirSync(dirname(launch.logFile), { recursive: true });
    const bare = !launch.argv[0]?.includes('/');
    const pathEntries = (launch.env.PATH ?? '').split(':').filter(Boolean);
    const pathInVolume = launch.mounts.some((m) => pathEntries.some((p) => within(p, m.containerPath)));
    if (bare && !pathInVolume && !findExecutable(launch.argv[0], launch.env.PATH)) {
      return this.failedStart(`exec: "${launch.argv[0]}": executable file not found in $PATH`);
    }

    let cgroup: string | undefined;
    if (this.opts.cgroups) {
      try {
        cgroup = this.opts.cgroups.create(`${launch.pod.uid}_${launch.containerName}_${launch.runId}`, launch.memoryLimitBytes);
      } catch (err) {
        this.opts.log.warn({ pod: `${launch.pod.namespace}/${launch.pod.name}`, container: launch.containerName, err: (err as Error).message }, 'cannot create a memory cgroup; running without one');
      }
    }

    const statusFile = join(launch.containerDir, `status-${launch.runId}.json`);
    let file: string;
    let args: string[];
    let cwd: string | undefined;
    const env: Record<string, string> = { ...launch.env };
    if (this.isolation === 'bubblewrap') {
      file = this.opts.bwrapPath ?? 'bwrap';
      args = [...bubblewrapArgs({ hostname: launch.hostname, mounts: launch.mounts, workingDir: launch.workingDir, statusFd: STATUS_FD }, this.hostFs), '--', ...launch.argv];
      env.SKIFF_ROOT ??= '/';
      env.HOME ??= '/tmp';
      if (cgroup) {
        // Join the cgroup before exec, so the limit covers the container from its first allocation.
        args = ['-c', 'echo $$ > "$0" && exec "$@"', MemoryCgroups.procsFile(cgroup), file, ...args];
        file = '/bin/sh';
      }
    } else {
      const root = this.standInRoot(launch);
      const tmp = join(launch.containerDir, 'tmp');
      mkdirSync(tmp, { recursive: true });
      env.SKIFF_ROOT ??= root;
      env.TMPDIR ??= tmp;
      env.HOME ??= tmp;
      cwd = plainWorkingDir(launch.workingDir, root, launch.mounts, true);
      // getcwd() resolves the volume's symlink; $PWD keeps the path under $SKIFF_ROOT (shells use it).
      env.PWD ??= cwd;
      if (!bare) {
        const why = notExecutable(launch.argv[0], cwd);
        if (why) {
          if (cgroup) MemoryCgroups.remove(cgroup);
          return this.failedStart(why);
        }
      }
      file = '/bin/sh';
      args = ['-c', PLAIN_MONITOR, MONITOR_NAME, statusFile, cgroup ? MemoryCgroups.procsFile(cgroup) : '', ...launch.argv];
    }

    const logFd = openSync(launch.logFile, 'a');
    const statusFd = this.isolation === 'bubblewrap' ? openSync(statusFile, 'a') : undefined;
    let child;
    try {
      child = spawn(file, args, {
        cwd,
        env,
        stdio: ['ignore', logFd, logFd, ...(statusFd !== undefined ? [statusFd] : [])],
        detached: true,
      });
    } finally {
      closeSync(logFd);
      if (statusFd !== undefined) closeSync(statusFd);
    }
    const pid = child.pid ?? 0;
    const record: ProcessRecord = {
      isolation: this.isolation,
      pid,
      procStart: pid ? (readProcStat(pid)?.startTime ?? 0) : 0,
      statusFile,
      ...(cgroup ? { cgroup } : {}),
    };
    const container = new ProcessContainer(record, launch.logFile);
    child.unref();
    child.on('error', (err) => {
      container.finish({ exitCode: 128, reason: 'StartError', message: err.message, finishedAt: new Date() });
    });
    child.on('exit', (code, signal) => {
      // Closed (an in-process agent stopped without stopping its pods): the next agent adopts this
      // run and reads its exit from the status file, which must stay where it is.
      if (this.closed && !container.finished) return;
      const exitCode = code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0);
      container.sandboxPid();
      container.finish(exitFromCode(exitCode, cgroup, new Date()));
    });
    if (this.isolation === 'bubblewrap' && pid) this.watchSandboxPid(container);
    return container;
  }

  async adopt(record: RuntimeRecord): Promise<RunningContainer | ContainerExit> {
    if (isCriRecord(record)) return { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'the container was started by a CRI runtime; this agent runs processes', finishedAt: new Date() };
    return this.adoptProcess(record);
  }

  private adoptProcess(record: ProcessRecord): RunningContainer | ContainerExit {
    if (record.pid === 0) return { exitCode: 128, reason: 'StartError', finishedAt: new Date() };
    if (!isSameProcessAlive(record.pid, record.procStart)) {
      const exit = this.adoptedExit(record);
      // Long gone: its pid may belong to someone else by now, so only its cgroup is swept.
      if (record.cgroup) MemoryCgroups.killAll(record.cgroup);
      return exit;
    }
    const container = new ProcessContainer({ ...record }, undefined);
    container.sandboxPid();
    this.adopted.add(container);
    this.ensurePoller();
    return container;
  }

  /** How a command runs as the container does: inside its bubblewrap sandbox, or beside it with its stand-in root. */
  private execCommand(req: Omit<ExecRequest, 'timeoutMs'>): { file: string; args: string[]; cwd?: string; env: Record<string, string> } {
    const env = { ...req.env };
    const sandbox = req.record && !isCriRecord(req.record) && req.record.isolation === 'bubblewrap' ? (req.record.sandboxPid ?? (req.record.statusFile ? readBubblewrapStatus(req.record.statusFile).childPid : undefined)) : undefined;
    if (sandbox !== undefined) {
      env.SKIFF_ROOT ??= '/';
      env.HOME ??= '/tmp';
      return { file: this.opts.nsenterPath ?? 'nsenter', args: ['--target', String(sandbox), '--mount', '--uts', '--ipc', '--pid', `--wdns=${req.workingDir || '/'}`, '--', ...req.argv], env };
    }
    const root = join(req.containerDir, 'root');
    const tmp = join(req.containerDir, 'tmp');
    env.SKIFF_ROOT ??= root;
    if (existsSync(tmp)) {
      env.TMPDIR ??= tmp;
      env.HOME ??= tmp;
    }
    const cwd = existsSync(root) ? plainWorkingDir(req.workingDir, root, req.mounts.length ? req.mounts : undefined, false) : undefined;
    if (cwd) env.PWD ??= cwd;
    const [file, ...args] = req.argv;
    return { file, args, cwd, env };
  }

  /**
   * An interactive `kubectl exec` session. A terminal (`-t`) comes from util-linux's `script`,
   * which runs the command on a pseudo-terminal of its own; its size stays script's default.
   */
  execSession(req: Omit<ExecRequest, 'timeoutMs'>, opts: StreamOptions): RemoteCommandStreams {
    const cmd = this.execCommand(req);
    let { file, args } = cmd;
    if (opts.tty) {
      args = ['-qfec', [file, ...args].map(shellQuote).join(' '), '/dev/null'];
      file = 'script';
      cmd.env.TERM ??= 'xterm';
    }
    const child = spawn(file, args, { cwd: cmd.cwd, env: cmd.env, stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', opts.stderr && !opts.tty ? 'pipe' : 'ignore'], detached: true });
    const status = new Promise<Buffer>((resolve) => {
      child.on('error', (err) => resolve(failureStatus(`failed to run ${req.argv[0]}: ${err.message}`)));
      child.on('close', (code, signal) => resolve(exitStatus(code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0), req.argv)));
    });
    child.stdin?.on('error', () => {});
    return {
      stdin: child.stdin ?? undefined,
      stdout: child.stdout ?? undefined,
      stderr: child.stderr ?? undefined,
      // Sizes are accepted and dropped: script's terminal cannot be resized from outside.
      resize: opts.tty ? new Writable({ write: (_c, _e, cb) => cb() }) : undefined,
      status,
      abort: () => {
        if (child.pid && child.exitCode === null) signalQuietly(-child.pid, 'SIGKILL');
      },
    };
  }

  async exec(req: ExecRequest): Promise<ExecResult> {
    const { file, args, cwd, env } = this.execCommand(req);
    return new Promise<ExecResult>((resolve) => {
      const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const chunks: Buffer[] = [];
      let size = 0;
      const collect = (b: Buffer) => {
        if (size < 10_240) chunks.push(b);
        size += b.length;
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid) signalQuietly(-child.pid, 'SIGKILL');
      }, req.timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ exitCode: 126, output: err.message, timedOut: false });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ exitCode: code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0), output: Buffer.concat(chunks).toString('utf8'), timedOut });
      });
    });
  }

  /**
   * A process container's usage: cpu summed over its processes from /proc (the container's memory
   * cgroup lists them; without one, the process tree under the one the agent spawned), memory from
   * the memory cgroup's working set, else the processes' resident memory.
   */
  async usage(records: RuntimeRecord[]): Promise<(ContainerUsage | undefined)[]> {
    const table = readProcessTable();
    return records.map((record) => {
      if (isCriRecord(record) || record.pid === 0) return undefined;
      const inCgroup = record.cgroup ? MemoryCgroups.pids(record.cgroup) : [];
      const pids = inCgroup.length ? inCgroup : processTree(table, record.pid);
      if (pids.length === 0) return undefined;
      const { cpuNs, rssBytes } = sumProcesses(table, pids);
      const memory = record.cgroup ? cgroupWorkingSet(record.cgroup) : undefined;
      return memory ? { cpuNs, ...memory, rssBytes: memory.rssBytes ?? rssBytes } : { cpuNs, workingSetBytes: rssBytes, usageBytes: rssBytes, rssBytes };
    });
  }

  release(record: RuntimeRecord): void {
    if (isCriRecord(record)) return;
    if (record.cgroup && !MemoryCgroups.remove(record.cgroup) && !this.sweeper) {
      // The last processes of a sandbox can take a moment to go; sweep again shortly.
      this.sweeper = setTimeout(() => {
        this.sweeper = undefined;
        this.opts.cgroups?.sweep();
      }, 500);
      this.sweeper.unref();
    }
    if (record.statusFile) rmSync(record.statusFile, { force: true });
  }

  close(): void {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    if (this.sweeper) clearTimeout(this.sweeper);
    this.poller = undefined;
    this.sweeper = undefined;
    this.adopted.clear();
    this.opts.cgroups?.sweep(true);
  }

  private failedStart(message: string): RunningContainer {
    const container = new ProcessContainer({ isolation: this.isolation, pid: 0, procStart: 0 }, undefined);
    container.finish({ exitCode: 128, reason: 'StartError', message, finishedAt: new Date() });
    return container;
  }

  /** How an adopted container ended: bubblewrap wrote its exit code; a plain process's is lost. */
  private adoptedExit(record: ProcessRecord): ContainerExit {
    const finishedAt = new Date();
    if (record.statusFile) {
      const { exitCode } = readBubblewrapStatus(record.statusFile);
      if (exitCode !== undefined) return exitFromCode(exitCode, record.cgroup, finishedAt);
    }
    return {
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      message: 'The container ended while the node agent was restarting; its exit status is unknown',
      finishedAt,
    };
  }

  private ensurePoller(): void {
    if (this.poller) return;
    this.poller = setInterval(() => {
      for (const c of this.adopted) {
        if (isSameProcessAlive(c.record.pid, c.record.procStart)) continue;
        this.adopted.delete(c);
        c.finish(this.adoptedExit(c.record));
      }
      if (this.adopted.size === 0 && this.poller) {
        clearInterval(this.poller);
        this.poller = undefined;
      }
    }, this.opts.pollMs ?? 200);
    this.poller.unref();
  }

  /** bubblewrap reports the sandbox's pid within milliseconds of starting; picks it up. */
  private watchSandboxPid(c: ProcessContainer): void {
    const deadline = Date.now() + 5000;
    const tick = () => {
      if (c.finished || c.sandboxPid() !== undefined || Date.now() > deadline) return;
      setTimeout(tick, 5).unref();
    };
    tick();
  }

  /** The plain runtime's stand-in for a container root: mount paths as symlinks to the volumes. */
  private standInRoot(launch: ContainerLaunch): string {
    const root = join(launch.containerDir, 'root');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (const m of launch.mounts) {
      const link = join(root, m.containerPath);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(m.hostPath, link);
    }
    return root;
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
