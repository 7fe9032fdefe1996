// FNV-1a, 32 bits: a short name for a string (a cache file's), never a check of its content. A loop
// with no imports, cheap to compile and run in the fresh Node of every agent tool call.

/** The 32-bit FNV-1a hash of `text`'s UTF-16 code units, as an unsigned number. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
