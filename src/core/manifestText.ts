// How manifest bytes become the text that parseManifest reads, for every reader of the manifest (the
// command line, the guard's judgement of the manifest in force). A leaf module (no imports), so that
// the command line's dispatcher and the agents' hook launcher do not load the manifest parser with it.

/**
 * Manifest bytes as the text the editor parses: UTF-8 without its byte order mark (VS Code drops
 * a BOM when it opens a file, so a manifest saved with one is valid there and must be here).
 */
export function manifestText(content: Buffer | string): string {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
