import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { decodeJwt, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, serviceAccountUsername } from '@skiff/apimachinery';

/** What kube-apiserver's --service-account-* flags configure. */
export interface ServiceAccountTokenOptions {
  /** PEM private key, RSA or ECDSA, that signs tokens (--service-account-signing-key-file). Unset: a key made at start, so tokens die with the process. */
  signingKey?: string;
  /** PEM public (or private) keys that verify tokens (--service-account-key-file); the signing key's public half is always among them. */
  verificationKeys?: string[];
  /** --service-account-issuer (default https://kubernetes.default.svc.cluster.local). */
  issuer?: string;
  /** The audiences the API server accepts tokens for (--api-audiences; default: the issuer). */
  apiAudiences?: string[];
}

interface ObjectRef {
  name: string;
  uid: string;
}

/** The private claims Kubernetes puts in a bound token under `kubernetes.io`. */
export interface KubernetesClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface ServiceAccountClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaims;
}

/**
 * The claims of a bound token, as Kubernetes' serviceaccount.Claims makes them: issued, valid
 * from and expiring in whole seconds. A token asked for at 12:00:00.700 for 3600 s has iat and
 * nbf 12:00:00 and exp 13:00:00.
 */
export function serviceAccountClaims(issuer: string, audiences: string[], now: Date, expirationSeconds: number, bound: KubernetesClaims): ServiceAccountClaims {
  const iat = Math.floor(now.getTime() / 1000);
  return {
    iss: issuer,
    sub: serviceAccountUsername(bound.namespace, bound.serviceaccount.name),
    aud: audiences,
    exp: iat + expirationSeconds,
    iat,
    nbf: iat,
    jti: randomUUID(),
    'kubernetes.io': bound,
  };
}

interface Key {
  key: KeyObject;
  alg: string;
}

/** JWS algorithm for a key: RS256 for RSA, ES256/384/512 by the ECDSA curve, as Kubernetes' signer picks. */
function algorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new Error(`service account keys must be RSA or ECDSA P-256/P-384/P-521 keys, not ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
}

/** Kubernetes' key id: the unpadded base64url SHA-256 of the public key's DER (PKIX) encoding. */
function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** The signing key and the verification keys of ServiceAccount tokens, and the issuer they speak for. */
export class ServiceAccountTokenKeys {
  readonly issuer: string;
  readonly apiAudiences: string[];
  private readonly signing: Key & { kid: string };
  private readonly verifying = new Map<string, Key>();

  constructor(opts: ServiceAccountTokenOptions = {}) {
    this.issuer = opts.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
    this.apiAudiences = opts.apiAudiences?.length ? opts.apiAudiences : [this.issuer];
    const privateKey = opts.signingKey ? createPrivateKey(opts.signingKey) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const publicKey = createPublicKey(privateKey);
    this.signing = { key: privateKey, alg: algorithmOf(privateKey), kid: keyIdOf(publicKey) };
    for (const pem of [...(opts.verificationKeys ?? [])]) {
      const key = createPublicKey(pem);
      this.verifying.set(keyIdOf(key), { key, alg: algorithmOf(key) });
    }
    this.verifying.set(this.signing.kid, { key: publicKey, alg: this.signing.alg });
  }

  sign(claims: ServiceAccountClaims): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: this.signing.alg, kid: this.signing.kid }).sign(this.signing.key);
  }

  /**
   * The claims of a token this issuer signed, for one of the API server's audiences, now valid;
   * undefined for anything else (another issuer's token is no concern of this authenticator).
   */
  async verify(token: string, now: Date): Promise<ServiceAccountClaims | undefined> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return undefined;
    }
    if (unverified.iss !== this.issuer) return undefined;
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid ? this.verifying.get(header.kid) : undefined;
          if (!key || key.alg !== header.alg) throw new Error('unknown key');
          return key.key;
        },
        { issuer: this.issuer, audience: this.apiAudiences, currentDate: now, algorithms: ['RS256', 'ES256', 'ES384', 'ES512'], requiredClaims: ['exp', 'sub'] },
      );
      const k8s = payload['kubernetes.io'] as KubernetesClaims | undefined;
      if (!k8s?.namespace || !k8s.serviceaccount?.name || !k8s.serviceaccount.uid) return undefined;
      return payload as ServiceAccountClaims;
    } catch {
      return undefined;
    }
  }
}
