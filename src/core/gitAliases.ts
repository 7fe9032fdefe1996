// The aliases (and other keys) a git configuration file defines (`[alias] co = checkout`), for the shell guard: `git co
// -- src/booking/a.ts` is `git checkout -- src/booking/a.ts`. Read as git reads the file for this
// section: names are case-insensitive, a value may be quoted, `#` and `;` start a comment outside
// quotes, `\` escapes. A value the reader cannot take whole (continued on the next line) is given as
// `!`, which the guard refuses as it refuses an alias that runs a shell command.

/** The aliases in `text` (a git configuration file), the last of each name winning, as in git. */
export function gitAliasesIn(text: string): Map<string, string> {
  return gitConfigSection(text, 'alias');
}

/**
 * The keys of one section (`core`, `alias`; no subsection) in `text`, names lower-cased, values as git
 * reads them, the last of each name winning. Line by line, with no pattern that could take long on
 * a line built for it (a configuration is read in the hook, on every call that needs it).
 */
export function gitConfigSection(text: string, wanted: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"(?:[^"\\]|\\.)*")?\s*\](.*)$/.exec(line);
    if (header) {
      section = header[1].toLowerCase();
      line = header[2].trim();
    }
    if (section !== wanted || line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*([^]*))?$/.exec(line);
    if (kv) out.set(kv[1].toLowerCase(), kv[2] === undefined ? 'true' : gitValue(kv[2]));
  }
  return out;
}

/** A configuration value as git reads it; `!` where it goes on past its line (`\` at the end). */
function gitValue(text: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      const next = text[++i];
      if (next === undefined) return '!';
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'b' ? '\b' : next;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === '#' || c === ';')) {
      break;
    } else {
      out += c;
    }
  }
  return out.trim();
}
