import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { htpasswdLine } from './htpasswdLine.js';
import { pickFreePort } from './pickFreePort.js';
import type { RegistryCredentials } from './registryClient.js';
import { registryConfig } from './registryConfig.js';
import { missingBinaryError, RegistryProcess, type LaunchFailure } from './registryProcess.js';

export interface StartRegistryOptions {
  /** Holds config.yml, htpasswd, registry.log and the blobs (data/). Created if missing; reusing it keeps the images. */
  dir: string;
  /** Defaults to a free port below 32768, chosen again if another process takes it first. */
  port?: number;
  /** Require these credentials (HTTP basic auth) for every request. */
  auth?: RegistryCredentials;
  /** Defaults to `docker-registry` on PATH (Debian's package of the CNCF distribution registry). */
  binary?: string;
  /** How long to wait for the registry to serve. */
  readyTimeoutMs?: number;
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>`, the form image references and pushImage's `registry` take. */
  host: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops the registry and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** A bind lost to another process between pickFreePort and the registry's own bind. */
const PORT_TAKEN = /address already in use/;
const PORT_ATTEMPTS = 5;

/**
 * Runs the CNCF distribution registry (`docker-registry serve`) on 127.0.0.1 with filesystem
 * storage under `dir`, and resolves once it answers `GET /v2/`.
 */
export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
  const dir = resolve(options.dir);
  const binary = options.binary ?? 'docker-registry';
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  await mkdir(join(dir, 'data'), { recursive: true });
  let htpasswdPath: string | undefined;
  if (options.auth !== undefined) {
    htpasswdPath = join(dir, 'htpasswd');
    await writeFile(htpasswdPath, await htpasswdLine(options.auth), { mode: 0o600 });
  }

  const log = createWriteStream(join(dir, 'registry.log'), { flags: 'a' });
  const configPath = join(dir, 'config.yml');
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await pickFreePort());
    const config = registryConfig({ port, storageDir: join(dir, 'data'), htpasswdPath, httpSecret: randomBytes(16).toString('hex') });
    await writeFile(configPath, JSON.stringify(config, null, 2));

    const registry = RegistryProcess.launch(binary, configPath, log, registryEnv());
    const outcome = await registry.listening(deadline);
    const host = `127.0.0.1:${port}`;
    const url = `http://${host}`;
    if (outcome === 'listening') {
      try {
        await waitForV2(url, deadline, registry);
      } catch (err) {
        await registry.stop();
        await closeLog(log);
        throw err;
      }
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= registry.stop().then(() => closeLog(log)));
      return { host, url, stop };
    }

    await registry.stop();
    if (outcome.kind === 'exited' && PORT_TAKEN.test(outcome.output) && attempt < attempts) continue;
    await closeLog(log);
    throw startFailure(binary, outcome, join(dir, 'registry.log'));
  }
}

/**
 * The registry reads REGISTRY_* variables as overrides of any config field; one left in the
 * environment (REGISTRY_HTTP_ADDR, REGISTRY_AUTH ...) would silently change what we configured.
 */
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')));
}

/**
 * The "listening on" line comes just before the server starts accepting, so the first request
 * normally succeeds; retries cover the gap. 200 without auth, 401 with it.
 */
async function waitForV2(url: string, deadline: number, registry: RegistryProcess): Promise<void> {
  let lastError: unknown;
  for (let delayMs = 10; Date.now() < deadline && !registry.exited; delayMs = Math.min(delayMs * 2, 200)) {
    try {
      const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
      lastError = new Error(`GET ${url}/v2/ answered ${response.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((wake) => setTimeout(wake, delayMs));
  }
  throw new Error(`registry at ${url} did not answer GET /v2/: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

function startFailure(binary: string, outcome: LaunchFailure, logPath: string): Error {
  switch (outcome.kind) {
    case 'missing-binary':
      return missingBinaryError(binary, outcome.error);
    case 'timeout':
      return new Error(`registry did not start listening in time; see ${logPath}\n${lastLines(outcome.output)}`);
    case 'exited':
      return new Error(`registry exited (${outcome.signal ?? `code ${outcome.code}`}) before listening; see ${logPath}\n${lastLines(outcome.output)}`);
  }
}

function lastLines(output: string): string {
  return output.trimEnd().split('\n').slice(-5).join('\n');
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((done) => log.end(done));
}
