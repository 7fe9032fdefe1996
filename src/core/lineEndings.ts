// The same text with LF or CRLF line endings: what a checkout with core.autocrlf (Git for Windows'
// default) writes for a text committed with LF. The commit gate counts both as the committed content
// (contentHashes), and the breach guard does not take one for a change of the other.

/**
 * A text with LF endings only, with CRLF endings instead (what a checkout with core.autocrlf writes);
 * undefined for anything else (no LF, a CR already, binary content with a NUL byte).
 */
export function withCrlf(content: Uint8Array): Uint8Array | undefined {
  if (!content.includes(0x0a) || content.includes(0x0d) || content.includes(0)) return undefined;
  // Line by line with the typed array's own search and copy: a byte loop in JS costs more
  // than the hashing in a pre-commit hook's short-lived process.
  const ends: number[] = [];
  for (let at = content.indexOf(0x0a); at >= 0; at = content.indexOf(0x0a, at + 1)) ends.push(at);
  const crlf = new Uint8Array(content.length + ends.length);
  let from = 0;
  let to = 0;
  for (const end of ends) {
    crlf.set(content.subarray(from, end), to);
    to += end - from;
    crlf[to++] = 0x0d;
    crlf[to++] = 0x0a;
    from = end + 1;
  }
  crlf.set(content.subarray(from), to);
  return crlf;
}

/** Whether two contents are the same text, one with LF and the other with CRLF line endings (see withCrlf). */
export function sameButLineEndings(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === b.length) return false;
  const [lf, crlf] = a.length < b.length ? [a, b] : [b, a];
  const converted = withCrlf(lf);
  return converted !== undefined && Buffer.from(converted.buffer, converted.byteOffset, converted.byteLength).equals(crlf);
}
