import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { bearerToken, CREDENTIAL_FLAGS, redisUrl, serveMetrics, stopOnSignals } from '@skiff/controller-runtime';
import { exitOnUncaughtFailures } from '@skiff/apimachinery';
import { DEFAULT_FETCH_LIMITS, entriesOfEnvironment } from '@skiff/gitops';
import { DEFAULT_REPO_SECRETS_NAMESPACE, startGitWatcher } from './index.js';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

function positive(name: string) {
  return (v: string): number => {
    if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return Number(v);
  };
}

const program = new Command()
  .name('skiff-git-watcher')
  .description('Skiff git watcher: syncs Applications from git (local repositories watched, remote ones fetched), prunes, self-heals')
  .requiredOption('--server <url>', 'API server URL')
  .option('--token <token>', CREDENTIAL_FLAGS.token)
  .option('--token-file <file>', CREDENTIAL_FLAGS.tokenFile)
  .requiredOption('--cache-dir <dir>', 'where clones of remote repositories are kept')
  .option('--redis-url <url>', CREDENTIAL_FLAGS.redisUrl)
  .option('--queue-prefix <prefix>', 'BullMQ key prefix (one per cluster)', 'skiff')
  .option('--refresh-ms <ms>', 'how often remote repositories are fetched when an Application does not say', int('--refresh-ms'), 60_000)
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (0 = any free port)', int('--metrics-port'))
  .addOption(new Option('--fetch-timeout-seconds <s>', 'longest one fetch or clone of a remote repository may take').argParser(positive('--fetch-timeout-seconds')).default(DEFAULT_FETCH_LIMITS.timeoutMs / 1000).env('SKIFF_GIT_FETCH_TIMEOUT_SECONDS'))
  .addOption(new Option('--fetch-idle-timeout-seconds <s>', 'a fetch fails after this long without bytes from the remote (http and https)').argParser(positive('--fetch-idle-timeout-seconds')).default(DEFAULT_FETCH_LIMITS.idleTimeoutMs / 1000).env('SKIFF_GIT_FETCH_IDLE_TIMEOUT_SECONDS'))
  .addOption(new Option('--fetch-max-mib <n>', 'most one fetch of a remote repository downloads (MiB)').argParser(positive('--fetch-max-mib')).default(DEFAULT_FETCH_LIMITS.maxBytes / 2 ** 20).env('SKIFF_GIT_FETCH_MAX_MIB'))
  .option('--repo-secrets-namespace <ns>', 'where repository Secrets (label argocd.argoproj.io/secret-type: repository | repo-creds) are read', DEFAULT_REPO_SECRETS_NAMESPACE)
  .option('--ca-file <file>', 'CA certificate of the API server')
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<{ server: string; token?: string; tokenFile?: string; cacheDir: string; redisUrl?: string; queuePrefix: string; refreshMs: number; metricsPort?: number; caFile?: string; logLevel: string; repoSecretsNamespace: string; fetchTimeoutSeconds: number; fetchIdleTimeoutSeconds: number; fetchMaxMib: number }>();
const logger = pino({ level: o.logLevel, base: { component: 'git-watcher' } });
exitOnUncaughtFailures(logger);
const token = bearerToken(o) ?? program.error(CREDENTIAL_FLAGS.missing);

if (process.env.SKIFF_GIT_USERNAME && !process.env.SKIFF_GIT_HOST) logger.warn('SKIFF_GIT_USERNAME is set without SKIFF_GIT_HOST: it is sent to no repository; set SKIFF_GIT_HOST to the git server\'s host');

try {
  const registry = new Registry();
  const watcher = await startGitWatcher({
    server: o.server,
    token,
    ca: o.caFile ? readFileSync(o.caFile, 'utf8') : undefined,
    redisUrl: redisUrl(o.redisUrl),
    prefix: o.queuePrefix,
    cacheDir: o.cacheDir,
    defaultRefreshMs: o.refreshMs,
    fetchLimits: { timeoutMs: o.fetchTimeoutSeconds * 1000, idleTimeoutMs: o.fetchIdleTimeoutSeconds * 1000, maxBytes: Math.round(o.fetchMaxMib * 2 ** 20) },
    repoSecretsNamespace: o.repoSecretsNamespace,
    extraCredentials: entriesOfEnvironment(process.env),
    registry,
    log: logger,
  });
  const metricsServer = o.metricsPort !== undefined ? await serveMetrics(registry, o.metricsPort, logger) : undefined;
  stopOnSignals(logger, () => watcher.stop(), () => metricsServer?.close());
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'git watcher failed to start');
  process.exit(1);
}
