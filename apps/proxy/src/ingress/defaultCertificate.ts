import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** The Common Name of the certificate served when no Ingress has one for the name asked (ingress-nginx serves a "Fake Certificate" the same way). */
export const DEFAULT_CERTIFICATE_CN = 'Skiff Ingress Controller Fake Certificate';

/**
 * A self-signed certificate for HTTPS requests whose SNI name no Ingress's `spec.tls` covers (or
 * that send none): clients that do not check it still reach the routes, clients that do see at
 * once that this is not the site's certificate. Made fresh at every start, valid for a year.
 */
export function selfSignedDefaultCertificate(now = new Date()): { cert: string; key: string } {
  return selfSignedCertificate(DEFAULT_CERTIFICATE_CN, ['ingress.local'], now);
}

/** A self-signed serving certificate (RSA 2048, SHA-256) for `commonName` and the DNS names `dnsNames`. */
export function selfSignedCertificate(commonName: string, dnsNames: string[], now = new Date()): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const subject = [
    { name: 'organizationName', value: 'Skiff' },
    { name: 'commonName', value: commonName },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: dnsNames.map((value) => ({ type: 2, value })) },
  ]);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  cert.sign(forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}
