import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';

/**
 * One provider key of an EncryptionConfiguration: what it prepends to the values it writes, and
 * how it seals and opens them. `additionalData` binds a value to where it is stored (the object's
 * key), so a value copied to another object does not open there (aesgcm; secretbox has no such
 * input, as in Kubernetes).
 */
export interface Transformer {
  /** `k8s:enc:aesgcm:v1:key1:`, as kube-apiserver writes it; '' for identity. */
  prefix: string;
  seal(plain: Buffer, additionalData: Buffer): Buffer;
  open(sealed: Buffer, additionalData: Buffer): Buffer;
}

const GCM_NONCE = 12;
const GCM_TAG = 16;

/** AES-GCM with a random 12-byte nonce: nonce || ciphertext || tag. Keys of 16, 24 or 32 bytes. */
export function aesgcm(name: string, key: Buffer): Transformer {
  const cipher = `aes-${key.length * 8}-gcm` as 'aes-256-gcm';
  return {
    prefix: `k8s:enc:aesgcm:v1:${name}:`,
    seal(plain, additionalData) {
      const nonce = randomBytes(GCM_NONCE);
      const c = createCipheriv(cipher, key, nonce).setAAD(additionalData);
      return Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
    },
    open(sealed, additionalData) {
      const d = createDecipheriv(cipher, key, sealed.subarray(0, GCM_NONCE)).setAAD(additionalData);
      d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG));
      return Buffer.concat([d.update(sealed.subarray(GCM_NONCE, sealed.length - GCM_TAG)), d.final()]);
    },
  };
}

/** XSalsa20-Poly1305 (NaCl secretbox) with a random 24-byte nonce: nonce || box. 32-byte keys. */
export function secretbox(name: string, key: Buffer): Transformer {
  const k = new Uint8Array(key);
  return {
    prefix: `k8s:enc:secretbox:v1:${name}:`,
    seal(plain) {
      const nonce = randomBytes(nacl.secretbox.nonceLength);
      return Buffer.concat([nonce, nacl.secretbox(new Uint8Array(plain), new Uint8Array(nonce), k)]);
    },
    open(sealed) {
      const opened = nacl.secretbox.open(new Uint8Array(sealed.subarray(nacl.secretbox.nonceLength)), new Uint8Array(sealed.subarray(0, nacl.secretbox.nonceLength)), k);
      if (!opened) throw new Error('secretbox: the value does not open with this key');
      return Buffer.from(opened);
    },
  };
}

/** Writes plaintext; reads values that carry no provider prefix (written before encryption was on). */
export const identity: Transformer = {
  prefix: '',
  seal: (plain) => plain,
  open: (sealed) => sealed,
};
