// The rules on the git server, generated from the one manifest: a marked CODEOWNERS section that
// names each component's owners for its globs (so the host requires their review), and a GitHub
// Actions workflow running the `verify` gate on pull requests. Text in, text out: the files are
// read and written by src/node/teamRulesWriter.ts.
import { braceExpand } from './minimatchModule';
import { MANIFEST_PATH } from './manifest';
import type { Component, Manifest } from './manifest';
import { PROTECTION_GLOB } from './matcher';

export const CODEOWNERS_BEGIN = '# protected-files:begin';
export const CODEOWNERS_END = '# protected-files:end';
/** First line of the generated workflow: while it is there, a later run may replace the file. */
export const WORKFLOW_MARKER = '# protected-files:generated';
/** The job's name: the status check to require in the branch protection rules or ruleset. */
export const WORKFLOW_CHECK_NAME = 'protected-files verify';
/** A brace set with more alternatives than this is not expanded into CODEOWNERS lines. */
const MAX_BRACE_ALTERNATIVES = 32;

/** A manifest glob that CODEOWNERS cannot say, and why. */
export interface Unexpressible {
  component: string;
  glob: string;
  reason: string;
}

/** An owner that is neither an @handle, an @org/team nor an email address: reported, never written. */
export interface UnusableOwner {
  component: string;
  owner: string;
}

export interface CodeownersSection {
  /** The section, markers included, without a final newline. */
  text: string;
  unexpressible: Unexpressible[];
  unusableOwners: UnusableOwner[];
  /** Components with files but no usable owner: no line is written for them. */
  withoutOwners: string[];
}

const HANDLE = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9][A-Za-z0-9._-]{0,99})?$/;
const EMAIL = /^[^\s@<>]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}$/;

/** True for `@user`, `@org/team` and `name@example.com`: what GitHub accepts as a code owner. */
export function isCodeOwner(owner: string): boolean {
  return owner.length <= 200 && (HANDLE.test(owner) || EMAIL.test(owner));
}

/**
 * The CODEOWNERS patterns for one manifest glob, or why there are none. Manifest globs are
 * minimatch patterns relative to the folder; CODEOWNERS patterns follow gitignore, where a
 * pattern without a slash matches at any depth, so each is anchored with a leading `/`. Brace
 * sets become one line per alternative. Not expressible: negation (`!`), character classes
 * (`[a-z]`, which CODEOWNERS does not support), extglobs (`+(a|b)`), and whitespace.
 */
export function codeownersPatterns(glob: string): { patterns: string[] } | { reason: string } {
  const trimmed = glob.replace(/^(?:\.\/)+/, '');
  if (trimmed.startsWith('!')) return { reason: 'a negation (!), which CODEOWNERS does not support' };
  if (/[+@!?*]\(/.test(trimmed)) return { reason: 'an extended glob (+(…), @(…), !(…)), which CODEOWNERS does not support' };
  let alternatives: string[];
  if (trimmed.includes('{')) {
    alternatives = braceExpand(trimmed);
    if (alternatives.length > MAX_BRACE_ALTERNATIVES) return { reason: `a brace set of more than ${MAX_BRACE_ALTERNATIVES} alternatives` };
  } else {
    alternatives = [trimmed];
  }
  const patterns: string[] = [];
  for (const alt of alternatives) {
    if (/[[\]]/.test(alt)) return { reason: 'a character class ([…]), which CODEOWNERS does not support' };
    if (/\s/.test(alt)) return { reason: 'whitespace, which a CODEOWNERS pattern cannot contain' };
    if (alt.includes('\\')) return { reason: 'a backslash escape, which CODEOWNERS reads differently' };
    if (alt === '' || alt.startsWith('/')) return { reason: 'not a folder-relative glob' };
    const pattern = `/${alt}`;
    if (!patterns.includes(pattern)) patterns.push(pattern);
  }
  return { patterns };
}

/** One line of manifest text inside a `#` comment. */
function comment(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The marked CODEOWNERS section. CODEOWNERS applies the **last** matching line, while the
 * manifest gives a file matched twice the strictest tier (and on a tie the first component): so
 * the least strict tiers come first and, within a tier, later components before earlier ones.
 * The protection folder comes last, owned by the owners of the strictest tier's components.
 */
export function codeownersSection(manifest: Manifest): CodeownersSection {
  const unexpressible: Unexpressible[] = [];
  const unusableOwners: UnusableOwner[] = [];
  const withoutOwners: string[] = [];
  const usable = (c: Component): string[] => {
    const ok: string[] = [];
    for (const owner of c.owners) {
      if (isCodeOwner(owner)) {
        if (!ok.includes(owner)) ok.push(owner);
      } else unusableOwners.push({ component: c.name, owner });
    }
    return ok;
  };

  const rank = new Map(manifest.tiers.map((t) => [t.id, t.rank]));
  const ordered = manifest.components
    .map((c, index) => ({ c, index, rank: rank.get(c.tier) ?? Number.MAX_SAFE_INTEGER }))
    .sort((a, b) => b.rank - a.rank || b.index - a.index);

  const out: string[] = [
    CODEOWNERS_BEGIN,
    `# Generated from ${MANIFEST_PATH} by "protected-files team" — do not edit between the markers; run it again after changing the manifest.`,
    '# With "Require review from Code Owners" on the protected branch, a change to these files needs its owners\' approval.',
  ];
  const strictest = manifest.tiers.find((t) => t.rank === 0);
  const protectionOwners: string[] = [];
  for (const { c } of ordered) {
    const owners = usable(c);
    const tier = manifest.tiers.find((t) => t.id === c.tier);
    if (owners.length === 0) {
      if (c.files.length > 0) withoutOwners.push(c.name);
      continue;
    }
    if (tier && strictest && tier.id === strictest.id) for (const o of owners) if (!protectionOwners.includes(o)) protectionOwners.push(o);
    const lines: string[] = [];
    for (const glob of c.files) {
      const r = codeownersPatterns(glob);
      if ('reason' in r) {
        unexpressible.push({ component: c.name, glob, reason: r.reason });
        continue;
      }
      for (const p of r.patterns) lines.push(`${p} ${owners.join(' ')}`);
    }
    if (lines.length === 0) continue;
    out.push('', `# ${comment(c.name)} (${comment(tier?.label ?? c.tier)})${c.risk ? `: ${comment(c.risk)}` : ''}`, ...lines);
  }
  if (protectionOwners.length > 0) {
    out.push('', '# The manifest and the audit log, owned by the strictest tier\'s owners', `/${PROTECTION_GLOB} ${protectionOwners.join(' ')}`);
  }
  out.push(CODEOWNERS_END);
  return { text: out.join('\n'), unexpressible, unusableOwners, withoutOwners };
}

/** How the workflow runs the CLI: the project's own pinned copy, or a published version through npx. */
export type CliSource = { kind: 'dependency' } | { kind: 'npx'; version: string };

/**
 * `.github/workflows/protected-files.yml`: the `verify --base` gate on every pull request, with the
 * full history (`fetch-depth: 0`) that the merge-base comparison needs. The base branch name goes
 * through an environment variable, never into the script text, and is compared as the full ref:
 * checkout fetches the tags too, and a tag named origin/main would stand for origin/main.
 */
export function workflowText(source: CliSource): string {
  const steps = source.kind === 'dependency'
    ? ['      - run: npm ci', '      - run: npx --no-install protected-files verify --base "refs/remotes/origin/$BASE_REF"']
    : [`      - run: npx --yes protected-files@${source.version} verify --base "refs/remotes/origin/$BASE_REF"`];
  return [
    `${WORKFLOW_MARKER} by "protected-files team" from ${MANIFEST_PATH}. Delete this line to keep your own edits: a later run then leaves the file alone.`,
    'name: Protected Files',
    'on:',
    '  pull_request:',
    'permissions:',
    '  contents: read',
    'jobs:',
    '  verify:',
    `    name: ${WORKFLOW_CHECK_NAME}`,
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with:',
    '          fetch-depth: 0',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 20',
    ...steps.map((s, i) => (i === steps.length - 1 ? `${s}\n        env:\n          BASE_REF: \${{ github.base_ref }}` : s)),
    '',
  ].join('\n');
}
