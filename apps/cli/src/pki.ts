import { generateKeyPair, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { ensurePrivateDir, writeSecretFile } from './secretFiles.js';

export interface Pki {
  caFile: string;
  certFile: string;
  keyFile: string;
  caPem: string;
  /** The key that signs ServiceAccount tokens (kube-apiserver's sa.key): made once, kept across restarts so issued tokens stay good. */
  serviceAccountKeyFile: string;
}

interface KeyPairPem {
  privatePem: string;
  publicPem: string;
}

const pemOf = ({ privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject }): KeyPairPem => ({
  privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
});

function rsaKeyPair(): KeyPairPem {
  return pemOf(generateKeyPairSync('rsa', { modulusLength: 2048 }));
}

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * An RSA key pair made on libuv's thread pool: a 2048-bit key takes 50-300 ms of searching for
 * primes, so a first start makes its three keys side by side rather than one after another.
 */
async function rsaKeyPairAsync(): Promise<KeyPairPem> {
  return pemOf(await generateKeyPairAsync('rsa', { modulusLength: 2048 }));
}

const DAY_MS = 24 * 3600 * 1000;

/** A certificate the issuer signs: a CA's, a server's (serverAuth, for altNames) or a client's (clientAuth: CN user, O groups). */
function certificate(subjectCn: string, publicPem: string, issuer: { cn: string; keyPem: string }, opts: { usage: 'ca' | 'server' | 'client'; days: number; altNames?: { type: number; value?: string; ip?: string }[]; organizations?: string[] }): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + opts.days * DAY_MS);
  cert.setSubject([...(opts.organizations ?? []).map((value) => ({ name: 'organizationName', value })), { name: 'commonName', value: subjectCn }]);
  cert.setIssuer([{ name: 'commonName', value: issuer.cn }]);
  const extensions: object[] = [{ name: 'basicConstraints', cA: opts.usage === 'ca', critical: true }];
  if (opts.usage === 'ca') extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push(opts.usage === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true });
    if (opts.usage === 'server') extensions.push({ name: 'subjectAltName', altNames: opts.altNames ?? [] });
  }
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(issuer.keyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/**
 * The cluster's CA and the API server's serving certificate, made at first start in DIR/pki.
 * kubectl sends bearer tokens only over TLS, so the API server always serves HTTPS.
 */
export async function ensurePki(dataDir: string, extraHosts: string[] = []): Promise<Pki> {
  const dir = join(dataDir, 'pki');
  ensurePrivateDir(dir);
  const caFile = join(dir, 'ca.crt');
  const caKeyFile = join(dir, 'ca.key');
  const certFile = join(dir, 'apiserver.crt');
  const keyFile = join(dir, 'apiserver.key');
  const serviceAccountKeyFile = join(dir, 'sa.key');
  const newCa = !existsSync(caFile) || !existsSync(caKeyFile);
  const newServer = !existsSync(certFile) || !existsSync(keyFile);
  const newServiceAccountKey = !existsSync(serviceAccountKeyFile);
  // Every key this start lacks, made at once; the certificates are signed in order after. The
  // ServiceAccount key is ECDSA P-256 (tokens signed ES256, as kube-apiserver does with such a
  // key): made in well under a millisecond, where an RSA key took 100-300 ms of a first start's
  // two cores. The CA's and the server's stay RSA (node-forge signs certificates with RSA only).
  const [caPair, serverPair, serviceAccountPair] = await Promise.all([
    newCa ? rsaKeyPairAsync() : undefined,
    newServer ? rsaKeyPairAsync() : undefined,
    newServiceAccountKey ? generateKeyPairAsync('ec', { namedCurve: 'P-256' }).then(pemOf) : undefined,
  ]);
  if (caPair) {
    writeSecretFile(caKeyFile, caPair.privatePem);
    writeFileSync(caFile, certificate('skiff-ca', caPair.publicPem, { cn: 'skiff-ca', keyPem: caPair.privatePem }, { usage: 'ca', days: 3650 }));
  }
  if (serverPair) {
    const hosts = [...new Set(['localhost', hostname(), ...extraHosts.filter((h) => !/^\d+\.\d+\.\d+\.\d+$/.test(h))])];
    const ips = [...new Set(['127.0.0.1', ...extraHosts.filter((h) => /^\d+\.\d+\.\d+\.\d+$/.test(h))])];
    const altNames = [...hosts.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))];
    writeSecretFile(keyFile, serverPair.privatePem);
    writeFileSync(certFile, certificate('skiff-apiserver', serverPair.publicPem, { cn: 'skiff-ca', keyPem: readFileSync(caKeyFile, 'utf8') }, { usage: 'server', days: 5 * 365, altNames }));
  }
  // Keys from before keys were written 0600.
  for (const key of [caKeyFile, keyFile]) chmodSync(key, 0o600);
  if (serviceAccountPair) writeFileSync(serviceAccountKeyFile, serviceAccountPair.privatePem, { mode: 0o600 });
  return { caFile, certFile, keyFile, caPem: readFileSync(caFile, 'utf8'), serviceAccountKeyFile };
}

/**
 * A client certificate for user NAME in GROUPS, signed by the cluster CA in DIR/pki (so only who
 * may read the data dir mints one), as `kubeadm kubeconfig user` makes them. Like any x509 client
 * certificate it cannot be revoked: it is good until it expires, so keep `days` short.
 */
export function clientCertificate(dataDir: string, name: string, groups: string[], days: number): { certPem: string; keyPem: string } {
  const dir = join(dataDir, 'pki');
  const caKey = join(dir, 'ca.key');
  if (!existsSync(caKey)) throw new Error(`${caKey} does not exist: run this where the cluster's data dir is`);
  const pair = rsaKeyPair();
  return { certPem: certificate(name, pair.publicPem, { cn: 'skiff-ca', keyPem: readFileSync(caKey, 'utf8') }, { usage: 'client', days, organizations: groups }), keyPem: pair.privatePem };
}
