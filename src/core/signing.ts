// Ed25519 signatures for approvals, with node:crypto only. Keys travel as base64url: a public key
// as its 32 raw bytes, a private key as its 32-byte seed. Nothing here logs or throws with key
// material in the message.
import { nodeCrypto } from './nodeCrypto';
import type { KeyObject } from 'node:crypto';

// DER headers that turn 32 raw bytes into PKCS#8 (private seed) and SPKI (public key) for Ed25519.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const B64URL = /^[A-Za-z0-9_-]+$/;

/** A signing key: the private KeyObject and the public key as base64url. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: string;
}

/** The key pair whose private half is `seed` (32 bytes, e.g. from scrypt). */
export function keyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new Error('An Ed25519 seed has 32 bytes.');
  const privateKey = nodeCrypto().createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** A fresh random key pair (a grant's key). */
export function newSigningKey(): SigningKey {
  const { privateKey } = nodeCrypto().generateKeyPairSync('ed25519');
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** The 32-byte seed of a private key, base64url: what the grant store keeps. */
export function exportSeed(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return der.subarray(der.length - 32).toString('base64url');
}

/** The key pair of a seed exported with exportSeed; undefined when the text is not one. */
export function importSeed(seed: string): SigningKey | undefined {
  if (typeof seed !== 'string' || !B64URL.test(seed)) return undefined;
  const bytes = Buffer.from(seed, 'base64url');
  return bytes.length === 32 ? keyFromSeed(bytes) : undefined;
}

function rawPublicKey(privateKey: KeyObject): string {
  const der = nodeCrypto().createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return der.subarray(SPKI_PREFIX.length).toString('base64url');
}

/** True when `publicKey` is 32 bytes of base64url, as rawPublicKey writes it. */
export function isPublicKey(publicKey: unknown): publicKey is string {
  if (typeof publicKey !== 'string' || publicKey.length !== 43 || !B64URL.test(publicKey)) return false;
  return Buffer.from(publicKey, 'base64url').toString('base64url') === publicKey;
}

/** The signature of `message` (UTF-8), base64url. */
export function signText(key: KeyObject, message: string): string {
  return nodeCrypto().sign(null, Buffer.from(message, 'utf8'), key).toString('base64url');
}

// A log signs many records with few keys (one per grant): each key is imported once.
const publicKeys = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE = 4096;

function publicKeyObject(publicKey: string): KeyObject {
  let key = publicKeys.get(publicKey);
  if (!key) {
    key = nodeCrypto().createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(publicKey, 'base64url')]), format: 'der', type: 'spki' });
    if (publicKeys.size >= PUBLIC_KEY_CACHE) publicKeys.clear();
    publicKeys.set(publicKey, key);
  }
  return key;
}

/** True when `signature` is `publicKey`'s signature of `message`. Never throws on bad input. */
export function verifyText(publicKey: string, message: string, signature: unknown): boolean {
  if (!isPublicKey(publicKey) || typeof signature !== 'string' || !B64URL.test(signature)) return false;
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length !== 64) return false;
  try {
    return nodeCrypto().verify(null, Buffer.from(message, 'utf8'), publicKeyObject(publicKey), sig);
  } catch {
    return false;
  }
}
