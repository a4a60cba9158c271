import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, exitOnUncaughtFailures, parseGoDuration, SERVICE_CIDR } from '@skiff/apimachinery';
import { PGLITE_TEMPLATE_DIR, pgConnectionOptionsFromEnv, type PgConnectionOptions } from '@skiff/store';
import { pino } from 'pino';
import { isPodSecurityLevel, parseEncryptionConfig, startApiServer } from './index.js';
import type { Principal } from './auth.js';

/**
 * The API server process: `tsx apps/apiserver/src/main.ts --data-dir .skiff --port 6443`.
 * Uses DATABASE_URL when set, else embedded PGlite in the data dir.
 */
const program = new Command('skiff-apiserver')
  .option('--data-dir <dir>', 'data directory (embedded database, tokens)', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .option('--host <host>', 'address to listen on', process.env.SKIFF_HOST ?? '127.0.0.1')
  .option('--port <n>', 'port to listen on', process.env.SKIFF_PORT ?? '6443')
  .option('--token-file <file>', 'JSON file mapping bearer tokens to {name, groups}')
  .option('--tls-cert-file <file>', 'serve HTTPS with this certificate (PEM)')
  .option('--tls-private-key-file <file>', 'the private key of --tls-cert-file (PEM)')
  .option('--client-ca-file <file>', 'client certificates signed by this CA (PEM) authenticate as their subject: CN the user, O the groups')
  .option('--service-cluster-ip-range <cidr>', 'the range Services\' cluster IPs are allocated from', SERVICE_CIDR)
  .option('--advertise-address <ip>', 'the address pods reach the API server on: also listened on, and the kubernetes Service\'s endpoint')
  .option('--pod-security-default-enforce <level>', 'the PodSecurity enforce level of namespaces without a pod-security.kubernetes.io/enforce label: privileged, baseline or restricted', 'baseline')
  .option('--max-requests-inflight <n>', 'seats for requests, shared by priority levels with --max-mutating-requests-inflight (API Priority and Fairness)', '400')
  .option('--max-mutating-requests-inflight <n>', 'see --max-requests-inflight', '200')
  .option('--request-timeout <duration>', 'how long a request that is not a watch, a followed log or a session may take before it is a 504 (Go duration)', '1m0s')
  .option('--max-watches-per-user <n>', 'watches one user may hold open at once; more are a 429', '1000')
  .option('--event-ttl <duration>', 'how long an Event is kept after its last write (Go duration, 0 keeps them)', '1h0m0s')
  .option('--audit-log-path <file>', 'write an audit log here: one JSON line (audit.k8s.io/v1 Event, level Metadata) per request, mode 0600')
  .option('--audit-log-maxsize <mb>', 'rotate the audit log at this many megabytes (0: never)', '100')
  .option('--audit-log-maxbackup <n>', 'rotated audit logs kept (0: all)', '10')
  .option('--git-webhook-secret <secret>', 'the secret git hosts sign POST /hooks/git deliveries with (visible in the process list: prefer SKIFF_GIT_WEBHOOK_SECRET or --git-webhook-secret-file)')
  .option('--git-webhook-secret-file <file>', 'read the git webhook secret from this file (first line)')
  .option('--encryption-provider-config <file>', 'an EncryptionConfiguration (apiserver.config.k8s.io/v1): how Secrets are encrypted at rest')
  .option('--service-account-signing-key-file <file>', 'the private key (PEM, RSA or ECDSA) that signs ServiceAccount tokens')
  .option('--service-account-key-file <file>', 'a public or private key (PEM) that verifies ServiceAccount tokens (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--service-account-issuer <url>', 'the iss claim of ServiceAccount tokens', DEFAULT_SERVICE_ACCOUNT_ISSUER)
  .option('--api-audiences <list>', 'comma-separated audiences the API server accepts tokens for (default: the issuer)')
  .option('--disable-admission-plugins <list>', 'comma-separated admission plugins to turn off (ServiceAccount is the one that can be)', '')
  .option('--log-level <level>', 'pino log level (each request is logged at info)', 'info')
  .parse();
const opts = program.opts<{ dataDir: string; host: string; port: string; tokenFile?: string; tlsCertFile?: string; tlsPrivateKeyFile?: string; clientCaFile?: string; serviceClusterIpRange: string; gitWebhookSecret?: string; advertiseAddress?: string; gitWebhookSecretFile?: string; encryptionProviderConfig?: string; eventTtl: string; requestTimeout: string; maxWatchesPerUser: string; maxRequestsInflight: string; maxMutatingRequestsInflight: string; auditLogPath?: string; auditLogMaxsize: string; auditLogMaxbackup: string; podSecurityDefaultEnforce: string;
  serviceAccountSigningKeyFile?: string; serviceAccountKeyFile: string[]; serviceAccountIssuer: string; apiAudiences?: string; disableAdmissionPlugins: string; logLevel: string;
}>();
const podSecurityDefaultEnforce = opts.podSecurityDefaultEnforce;
if (!isPodSecurityLevel(podSecurityDefaultEnforce)) {
  console.error(`error: --pod-security-default-enforce must be privileged, baseline or restricted, not ${JSON.stringify(podSecurityDefaultEnforce)}`);
  process.exit(1);
}
const logger = pino({ name: 'apiserver', level: opts.logLevel });
exitOnUncaughtFailures(logger);
const tokenFile = opts.tokenFile ?? `${opts.dataDir}/tokens.json`;
const tokens = JSON.parse(readFileSync(tokenFile, 'utf8')) as Record<string, Principal>;
const encryption = opts.encryptionProviderConfig ? parseEncryptionConfig(readFileSync(opts.encryptionProviderConfig, 'utf8')) : undefined;
if (encryption && !encryption.ok) {
  logger.fatal({ file: opts.encryptionProviderConfig, errors: encryption.errors }, 'invalid --encryption-provider-config');
  process.exit(1);
}
const gitWebhookSecretFile = opts.gitWebhookSecretFile ? readFileSync(opts.gitWebhookSecretFile, 'utf8').split('\n')[0]!.trim() : undefined;

let postgres: Partial<PgConnectionOptions>;
try {
  postgres = pgConnectionOptionsFromEnv(process.env);
} catch (err) {
  logger.error({ err: (err as Error).message }, 'invalid Postgres connection settings');
  process.exit(2);
}

const eventTtlMs = parseGoDuration(opts.eventTtl);
if (eventTtlMs === undefined || eventTtlMs < 0) {
  logger.error({ eventTtl: opts.eventTtl }, '--event-ttl: not a duration (e.g. 1h0m0s, 30m)');
  process.exit(2);
}

if (!/^[1-9]\d*$/.test(opts.maxWatchesPerUser)) {
  logger.error({ maxWatchesPerUser: opts.maxWatchesPerUser }, '--max-watches-per-user: not a positive integer');
  process.exit(2);
}
const requestTimeoutMs = parseGoDuration(opts.requestTimeout);
if (requestTimeoutMs === undefined || requestTimeoutMs <= 0) {
  logger.error({ requestTimeout: opts.requestTimeout }, '--request-timeout: not a positive duration (e.g. 1m0s, 30s)');
  process.exit(2);
}

const server = await startApiServer({
  eventTtlMs,
  requestTimeoutMs,
  maxWatchesPerUser: Number(opts.maxWatchesPerUser),
  flowControl: { maxRequestsInflight: Number(opts.maxRequestsInflight), maxMutatingRequestsInflight: Number(opts.maxMutatingRequestsInflight) },
  databaseUrl: process.env.DATABASE_URL || undefined,
  postgres,
  dataDir: opts.dataDir,
  // The build's initialized database (scripts/build.mjs): a first start skips PGlite's initdb.
  pgliteTemplate: PGLITE_TEMPLATE_DIR,
  host: opts.host,
  port: Number(opts.port),
  tokens,
  logger,
  serviceClusterIpRange: opts.serviceClusterIpRange,
  advertiseAddress: opts.advertiseAddress,
  podSecurityDefaultEnforce,
  serviceAccountAdmission: !opts.disableAdmissionPlugins.split(',').includes('ServiceAccount'),
  serviceAccount: {
    signingKey: opts.serviceAccountSigningKeyFile ? readFileSync(opts.serviceAccountSigningKeyFile, 'utf8') : undefined,
    verificationKeys: opts.serviceAccountKeyFile.map((f) => readFileSync(f, 'utf8')),
    issuer: opts.serviceAccountIssuer,
    apiAudiences: opts.apiAudiences?.split(',').filter(Boolean),
  },
  // Read from the environment here rather than as the option's default, so `--help` never prints it.
  gitWebhookSecret: opts.gitWebhookSecret || gitWebhookSecretFile || process.env.SKIFF_GIT_WEBHOOK_SECRET || undefined,
  audit: opts.auditLogPath ? { path: opts.auditLogPath, maxSizeMB: Number(opts.auditLogMaxsize), maxBackups: Number(opts.auditLogMaxbackup) } : undefined,
  encryption: encryption?.config,
  tls: opts.tlsCertFile && opts.tlsPrivateKeyFile ? { cert: readFileSync(opts.tlsCertFile, 'utf8'), key: readFileSync(opts.tlsPrivateKeyFile, 'utf8'), ...(opts.clientCaFile ? { clientCa: readFileSync(opts.clientCaFile, 'utf8') } : {}) } : undefined,
});
logger.info({ url: server.url }, 'apiserver listening');

let closing = false;
const shutdown = async (signal: string) => {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'apiserver shutting down');
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
