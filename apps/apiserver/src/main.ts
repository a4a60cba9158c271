import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, SERVICE_CIDR } from '@skiff/apimachinery';
import { pino } from 'pino';
import { startApiServer } from './index.js';
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
  .option('--service-cluster-ip-range <cidr>', 'the range Services\' cluster IPs are allocated from', SERVICE_CIDR)
  .option('--advertise-address <ip>', 'the address pods reach the API server on: also listened on, and the kubernetes Service\'s endpoint')
  .option('--service-account-signing-key-file <file>', 'the private key (PEM, RSA or ECDSA) that signs ServiceAccount tokens')
  .option('--service-account-key-file <file>', 'a public or private key (PEM) that verifies ServiceAccount tokens (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--service-account-issuer <url>', 'the iss claim of ServiceAccount tokens', DEFAULT_SERVICE_ACCOUNT_ISSUER)
  .option('--api-audiences <list>', 'comma-separated audiences the API server accepts tokens for (default: the issuer)')
  .option('--disable-admission-plugins <list>', 'comma-separated admission plugins to turn off (ServiceAccount is the one that can be)', '')
  .option('--git-webhook-secret <secret>', 'the secret git hosts sign POST /hooks/git deliveries with (or SKIFF_GIT_WEBHOOK_SECRET)')
  .parse();
const opts = program.opts<{ dataDir: string; host: string; port: string; tokenFile?: string; tlsCertFile?: string; tlsPrivateKeyFile?: string; serviceClusterIpRange: string; gitWebhookSecret?: string; advertiseAddress?: string;
  serviceAccountSigningKeyFile?: string; serviceAccountKeyFile: string[]; serviceAccountIssuer: string; apiAudiences?: string; disableAdmissionPlugins: string;
}>();
const logger = pino({ name: 'apiserver' });
const tokenFile = opts.tokenFile ?? `${opts.dataDir}/tokens.json`;
const tokens = JSON.parse(readFileSync(tokenFile, 'utf8')) as Record<string, Principal>;

const server = await startApiServer({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: opts.dataDir,
  host: opts.host,
  port: Number(opts.port),
  tokens,
  logger,
  serviceClusterIpRange: opts.serviceClusterIpRange,
  advertiseAddress: opts.advertiseAddress,
  serviceAccountAdmission: !opts.disableAdmissionPlugins.split(',').includes('ServiceAccount'),
  serviceAccount: {
    signingKey: opts.serviceAccountSigningKeyFile ? readFileSync(opts.serviceAccountSigningKeyFile, 'utf8') : undefined,
    verificationKeys: opts.serviceAccountKeyFile.map((f) => readFileSync(f, 'utf8')),
    issuer: opts.serviceAccountIssuer,
    apiAudiences: opts.apiAudiences?.split(',').filter(Boolean),
  },
  // Read from the environment here rather than as the option's default, so `--help` never prints it.
  gitWebhookSecret: opts.gitWebhookSecret || process.env.SKIFF_GIT_WEBHOOK_SECRET || undefined,
  tls: opts.tlsCertFile && opts.tlsPrivateKeyFile ? { cert: readFileSync(opts.tlsCertFile, 'utf8'), key: readFileSync(opts.tlsPrivateKeyFile, 'utf8') } : undefined,
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
