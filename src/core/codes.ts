// Unlock codes are stored in the committed manifest only as what scrypt derives from them:
// - `ed25519$<N>$<r>$<p>$<salt>$<public key>[$<owner>]` (current): scrypt turns the code into the
//   seed of an Ed25519 key; the manifest keeps the public key, so an approval signed with the
//   private key can be checked by anyone, and made only by someone who knows the code.
//   `ed25519-once$…` is a one-time code: it may open a single grant.
// - `scrypt$<N>$<r>$<p>$<salt>$<hash>` (legacy): checks the code, signs nothing.
// Salts, hashes and keys are base64url. Nothing here logs, and no message ever contains a code.
import { nodeCrypto } from './nodeCrypto';
import type { BinaryLike, KeyObject, ScryptOptions } from 'node:crypto';
import { isPublicKey, keyFromSeed } from './signing';

/** scrypt cost parameters: N (CPU/memory cost, a power of two), r (block size), p (parallelism). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's minimum for scrypt; about 16 MiB of memory and ~50 ms per derivation. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = { N: 16384, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const MIN_N = 1024;
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
/** A hash in a committed manifest must not make every verification allocate gigabytes. */
const MAX_MEMORY = 2 ** 30;
const B64URL = /^[A-Za-z0-9_-]+$/;

function scrypt(password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    nodeCrypto().scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Node refuses derivations above `maxmem` (32 MiB by default); scrypt needs about 128·N·r bytes, plus slack. */
function maxmemFor(params: ScryptParams): number {
  return 128 * params.N * params.r + 128 * params.r * params.p + 1024 * 1024;
}

function validParams(params: ScryptParams): boolean {
  const { N, r, p } = params;
  return (
    Number.isSafeInteger(N) && N >= MIN_N && N <= MAX_N && (N & (N - 1)) === 0 &&
    Number.isSafeInteger(r) && r >= 1 && r <= MAX_R &&
    Number.isSafeInteger(p) && p >= 1 && p <= MAX_P &&
    128 * N * r <= MAX_MEMORY
  );
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/** One entry of a component's `unlockCodes`, parsed. */
export type CodeEntry =
  | { kind: 'scrypt'; encoded: string; params: ScryptParams; salt: Buffer; hash: Buffer }
  | {
    kind: 'key';
    encoded: string;
    params: ScryptParams;
    salt: Buffer;
    /** base64url of the 32-byte Ed25519 public key. */
    publicKey: string;
    /** A one-time code: it may open one grant only. */
    once: boolean;
    /** Who holds the code (an email or name); two-owner approvals need two different owners. */
    owner: string | undefined;
  };

function parseDecimal(text: string): number {
  return /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : NaN;
}

function parseSalt(salt: string): Buffer | undefined {
  if (!B64URL.test(salt)) return undefined;
  const bytes = Buffer.from(salt, 'base64url');
  // Reject truncated or padded material: it must round-trip and have a sane length.
  return bytes.toString('base64url') === salt && bytes.length >= 8 && bytes.length <= 64 ? bytes : undefined;
}

const OWNER = /^[^\s$][^$\u0000-\u001f]{0,199}$/;

/** The entry, or undefined when `encoded` is not a well-formed code entry with sane parameters. */
export function parseCodeEntry(encoded: string): CodeEntry | undefined {
  if (typeof encoded !== 'string' || encoded.length > 512) return undefined;
  const parts = encoded.split('$');
  const kind = parts[0];
  if (kind === 'scrypt') {
    const parsed = parseHash(encoded);
    return parsed && { kind: 'scrypt', encoded, ...parsed };
  }
  if ((kind !== 'ed25519' && kind !== 'ed25519-once') || (parts.length !== 6 && parts.length !== 7)) return undefined;
  const [, n, r, p, salt, publicKey, owner] = parts;
  const params = { N: parseDecimal(n), r: parseDecimal(r), p: parseDecimal(p) };
  const saltBytes = parseSalt(salt);
  if (!validParams(params) || !saltBytes || !isPublicKey(publicKey)) return undefined;
  if (owner !== undefined && !OWNER.test(owner.trim() === owner ? owner : '')) return undefined;
  return { kind: 'key', encoded, params, salt: saltBytes, publicKey, once: kind === 'ed25519-once', owner };
}

/** Who an entry belongs to, for two-owner approvals: its owner, else the entry itself. */
export function entryOwner(entry: CodeEntry): string {
  return entry.kind === 'key' && entry.owner !== undefined ? `owner:${entry.owner.toLowerCase()}` : `entry:${entry.encoded}`;
}

function parseHash(encoded: string): ParsedHash | undefined {
  if (typeof encoded !== 'string') return undefined;
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, n, r, p, salt, hash] = parts;
  const params = { N: parseDecimal(n), r: parseDecimal(r), p: parseDecimal(p) };
  if (!validParams(params)) return undefined;
  if (!B64URL.test(salt) || !B64URL.test(hash)) return undefined;
  const saltBytes = Buffer.from(salt, 'base64url');
  const hashBytes = Buffer.from(hash, 'base64url');
  // Reject truncated or padded material: it must round-trip and have sane lengths.
  if (saltBytes.toString('base64url') !== salt || hashBytes.toString('base64url') !== hash) return undefined;
  if (saltBytes.length < 8 || hashBytes.length < 16 || hashBytes.length > 64) return undefined;
  return { params, salt: saltBytes, hash: hashBytes };
}

function checkedParams(params?: Partial<ScryptParams>): ScryptParams {
  const full: ScryptParams = { ...DEFAULT_SCRYPT_PARAMS, ...params };
  if (!validParams(full)) {
    throw new Error(
      `Invalid scrypt parameters N=${full.N} r=${full.r} p=${full.p}: N must be a power of two from ${MIN_N} to ${MAX_N}, ` +
        `r 1–${MAX_R}, p 1–${MAX_P}, and 128·N·r at most 1 GiB.`,
    );
  }
  return full;
}

/**
 * The manifest entry of an unlock code in the current form: scrypt derives an Ed25519 seed from the
 * code, and the entry keeps the public key. `owner` must not contain `$` or start with a space.
 */
export async function makeCodeKey(code: string, options: { owner?: string; once?: boolean; params?: Partial<ScryptParams> } = {}): Promise<string> {
  const full = checkedParams(options.params);
  if (options.owner !== undefined && !OWNER.test(options.owner)) {
    throw new Error('An owner is a name or email without "$" or control characters, at most 200 characters.');
  }
  const salt = nodeCrypto().randomBytes(SALT_BYTES);
  const seed = await scrypt(code.normalize('NFC'), salt, KEY_BYTES, { ...full, maxmem: maxmemFor(full) });
  const { publicKey } = keyFromSeed(seed);
  seed.fill(0);
  const parts: (string | number)[] = [options.once ? 'ed25519-once' : 'ed25519', full.N, full.r, full.p, salt.toString('base64url'), publicKey];
  if (options.owner !== undefined) parts.push(options.owner);
  return parts.join('$');
}

/** What a code opened: the entry it matches and, for a key entry, the private key that signs. */
export interface CodeMatch {
  entry: CodeEntry;
  privateKey: KeyObject | undefined;
}

/**
 * Checks `code` against one manifest entry with one scrypt derivation. A key entry matches when the
 * derived public key equals the stored one (constant-time comparison); the match carries the
 * private key for signing. Malformed entries and failures give undefined; never throws on input.
 */
export async function matchCode(code: string, encoded: string): Promise<CodeMatch | undefined> {
  if (typeof code !== 'string') return undefined;
  const entry = parseCodeEntry(encoded);
  if (!entry) return undefined;
  if (entry.kind === 'scrypt') return (await verifyCode(code, encoded)) ? { entry, privateKey: undefined } : undefined;
  let seed: Buffer;
  try {
    seed = await scrypt(code.normalize('NFC'), entry.salt, KEY_BYTES, { ...entry.params, maxmem: maxmemFor(entry.params) });
  } catch {
    return undefined;
  }
  const key = keyFromSeed(seed);
  seed.fill(0);
  const derived = Buffer.from(key.publicKey, 'base64url');
  const stored = Buffer.from(entry.publicKey, 'base64url');
  return derived.length === stored.length && nodeCrypto().timingSafeEqual(derived, stored) ? { entry, privateKey: key.privateKey } : undefined;
}

// Crockford-style base32 without look-alikes (no I, L, O, U, 0, 1): easy to read aloud and type.
const ONE_TIME_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A random one-time code, `XXXX-XXXX-XXXX-XXXX` (about 78 bits). */
export function newOneTimeCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = '';
    for (let i = 0; i < 4; i++) group += ONE_TIME_ALPHABET[nodeCrypto().randomInt(ONE_TIME_ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/**
 * Hashes an unlock code for the manifest. Rejects invalid parameters (the error names the
 * parameters, never the code).
 */
export async function hashCode(code: string, params?: Partial<ScryptParams>): Promise<string> {
  const full = checkedParams(params);
  const salt = nodeCrypto().randomBytes(SALT_BYTES);
  const key = await scrypt(code.normalize('NFC'), salt, KEY_BYTES, { ...full, maxmem: maxmemFor(full) });
  return ['scrypt', full.N, full.r, full.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * True when `code` matches the stored hash. Malformed hashes and derivation failures give
 * false; this never throws on user input.
 */
export async function verifyCode(code: string, encoded: string): Promise<boolean> {
  if (typeof code !== 'string') return false;
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  let key: Buffer;
  try {
    key = await scrypt(code.normalize('NFC'), parsed.salt, parsed.hash.length, {
      ...parsed.params,
      maxmem: maxmemFor(parsed.params),
    });
  } catch {
    return false;
  }
  return key.length === parsed.hash.length && nodeCrypto().timingSafeEqual(key, parsed.hash);
}

/** True when `encoded` is a well-formed code entry (`ed25519$…`, `ed25519-once$…` or legacy `scrypt$…`) with sane parameters. */
export function isCodeHash(encoded: string): boolean {
  return parseCodeEntry(encoded) !== undefined;
}

const COMMON_WORDS = [
  'password', 'passw0rd', 'letmein', 'qwerty', 'qwertyuiop', 'asdfgh', 'asdfghjkl', 'unlock', 'unlockme',
  'admin', 'administrator', 'changeme', 'welcome', 'secret', 'iloveyou', 'monkey', 'dragon', 'master',
  'trustno1', 'default', 'root', 'test', 'testing', 'guest', 'login', 'abc123', 'password1', 'password123',
  'summer', 'winter', 'spring', 'autumn', 'sunshine', 'princess', 'football', 'baseball', 'shadow', 'superman',
  'batman', 'starwars', 'pokemon', 'freedom', 'whatever', 'hello', 'access', 'computer', 'internet', 'secure',
  'security', 'protect', 'protected', 'private', 'company',
];

/** Digits and symbols people type for letters (`P@ssw0rd`); `1` and `!` stand for `i` or `l`. */
const LOOKALIKES: Record<string, string> = { '0': 'o', '3': 'e', '4': 'a', '5': 's', '6': 'g', '7': 't', '8': 'b', '9': 'g', '@': 'a', '$': 's', '+': 't', '|': 'l' };

/** `text` (lower case) with look-alikes read as letters, then everything but letters removed. */
function asLetters(text: string, one: 'i' | 'l'): string {
  let out = '';
  for (const ch of text) {
    const letter = ch === '1' || ch === '!' ? one : (LOOKALIKES[ch] ?? ch);
    if (letter >= 'a' && letter <= 'z') out += letter;
  }
  return out;
}

let commonForms: Set<string> | undefined;

/**
 * Every spelling a common word reduces to: as it is, letters only, and with look-alikes read as
 * letters. Built on first use: every process that parses a manifest loads this module.
 */
function commonFormsOf(): Set<string> {
  return (commonForms ??= new Set(COMMON_WORDS.flatMap((w) => [w, w.replace(/[^a-z]/g, ''), asLetters(w, 'i'), asLetters(w, 'l')])));
}

/**
 * `text` without the characters at either end that `keep` refuses. A loop: a regular expression
 * such as `/[^a-z]+$/` backtracks quadratically on a long paste of punctuation.
 */
function trimUnless(text: string, keep: (c: string) => boolean): string {
  let start = 0;
  let end = text.length;
  while (start < end && !keep(text[start])) start++;
  while (end > start && !keep(text[end - 1])) end--;
  return text.slice(start, end);
}

/** A common word behind padding (`Password1!`) or with look-alikes swapped in (`P@ssw0rd`, `L3tm31n`). */
function isCommonWord(lower: string): boolean {
  // Padding: digits and symbols around the word; look-alikes inside it.
  const core = trimUnless(lower, (c) => c >= 'a' && c <= 'z');
  // Only punctuation around it, so that a look-alike at either end (`5ecr3t!!`) still counts.
  const unpunctuated = trimUnless(lower, (c) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || '@$|+'.includes(c));
  const forms = [lower, lower.replace(/[^a-z]/g, '')];
  for (const text of [lower, core, unpunctuated]) forms.push(asLetters(text, 'i'), asLetters(text, 'l'));
  const common = commonFormsOf();
  return forms.some((f) => common.has(f));
}

/** One short word (look-alikes allowed) before or after a year: `Summer2024!`, `2025Booking`. */
function isWordAndYear(lower: string): boolean {
  const match = /^[^a-z0-9]*(?:(?:19|20)\d\d[^a-z0-9]*([a-z0-9@$!|+]+)|([a-z0-9@$!|+]+?)[^a-z0-9]*(?:19|20)\d\d)[^a-z0-9]*$/.exec(lower);
  const word = match?.[1] ?? match?.[2];
  return word !== undefined && word.length <= 12 && asLetters(word, 'i').length >= 3;
}

const DIGIT_RUN = '01234567890123456789';
const DIGIT_RUN_DOWN = [...DIGIT_RUN].reverse().join('');

function isSimpleSequence(code: string): boolean {
  if (code.length < 3) return false;
  const lower = code.toLowerCase();
  // Digits wrap around: 1234567890 and 0987654321 are sequences too.
  if (/^[0-9]+$/.test(lower) && (DIGIT_RUN.includes(lower) || DIGIT_RUN_DOWN.includes(lower))) return true;
  const step = lower.charCodeAt(1) - lower.charCodeAt(0);
  if (step !== 1 && step !== -1) return false;
  for (let i = 2; i < lower.length; i++) {
    if (lower.charCodeAt(i) - lower.charCodeAt(i - 1) !== step) return false;
  }
  return true;
}

/**
 * Why `code` is too weak to become an unlock code, as one sentence, or undefined when it is
 * acceptable. The sentence never contains the code.
 */
export function codeWeakness(code: string): string | undefined {
  if (code.trim().length === 0) return 'The code is empty or only whitespace.';
  if (code !== code.trim()) return 'The code starts or ends with whitespace, which is easy to mistype; remove it.';
  const chars = [...code];
  if (chars.length < 8) return 'The code is shorter than 8 characters.';
  if (new Set(chars).size === 1) return 'The code repeats a single character.';
  if (/^[0-9]+$/.test(code) && chars.length < 10) return 'A code of only digits must be at least 10 digits long.';
  if (isSimpleSequence(code)) return 'The code is a simple sequence such as 12345678 or abcdefgh.';
  const lower = code.toLowerCase();
  // A common word padded with digits or punctuation, or spelled with look-alikes, is no better
  // than the word: cracking lists try those variants first.
  if (isCommonWord(lower)) return 'The code is one of the most common, easily guessed choices, or one with digits or symbols swapped in.';
  // A word of at most 12 letters, a year and some punctuation: longer codes are not this shape
  // (and the expression is never run on a long paste).
  if (lower.length <= 40 && isWordAndYear(lower)) return 'The code is a word and a year, among the first guesses anyone tries; use several words or random characters.';
  return undefined;
}
