// Parses and validates `.protection/manifest.jsonc`. Every problem carries its position so the
// editor can show it as a diagnostic; a manifest with any error is never returned, because a
// broken manifest must not loosen protection (the caller keeps the last valid one). The one
// exception is a glob past a bound of `globBounds.ts`: it is reported as an error and replaced by
// its stand-in, which protects at least what the glob could, and the rest stays in force.

import { parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';
import { isCodeHash } from './codes';
import { GLOB_LIMITS, checkGlob, isGlobExcess, standInGlob } from './globBounds';
import { escapesFolder } from './paths';

export type TierColor = 'red' | 'orange' | 'yellow' | 'green' | 'blue' | 'purple' | 'gray';

/** How a tier's files may be unlocked. */
export interface UnlockPolicy {
  /** An unlock code is required (checked against the component's `unlockCodes`). */
  requireCode: boolean;
  /** How many codes, from different owners, an unlock needs. */
  approvals: 1 | 2;
  /** The written reason must be at least this many characters. */
  minReasonLength: number;
  /** An unlock ends at the next save or after this many minutes. */
  maxMinutes: number;
  /**
   * What `verify` does with an approval that is not signed by an owner's code while the component
   * has only legacy `scrypt$` codes: pass with a warning (default), or fail. Where the component has
   * signing codes (`ed25519$…`), unsigned approvals always fail.
   */
  unsignedApprovals?: 'warn' | 'fail';
}

export interface Tier {
  id: string;
  label: string;
  badge: string;
  color: TierColor;
  unlock: UnlockPolicy;
  onBreach: 'restore' | 'warn';
  /** Declaration index: 0 is the strictest tier. */
  rank: number;
}

export interface Component {
  name: string;
  tier: string;
  files: string[];
  risk: string;
  impact: string;
  owners: string[];
  unlockCodes: string[];
}

export interface GuardedCommand {
  pattern: string;
  message: string;
}

export interface Manifest {
  tiers: Tier[];
  components: Component[];
  guardedCommands: GuardedCommand[];
  /** Branch names and globs a push to which the pre-push hook refuses. */
  protectedBranches: string[];
  /**
   * The message of each entry of `protectedBranches` written as `{ "branch", "message" }`, keyed
   * by its name or glob. Always set by `parseManifest`; optional so that a manifest built by
   * hand (no protected branches) need not carry it.
   */
  protectedBranchMessages?: Record<string, string>;
}

export interface ManifestProblem {
  message: string;
  offset: number;
  length: number;
  /** 0-based, as VS Code's `Position`. */
  line: number;
  /** 0-based, in UTF-16 code units, as VS Code's `Position`. */
  column: number;
  severity: 'error' | 'warning';
  /**
   * An error that does not keep the manifest from being returned: a glob past a bound, replaced
   * by its stand-in (see `globBounds.ts`).
   */
  contained?: boolean;
}

export interface ParsedManifest {
  /** `undefined` when any problem is an error that is not `contained`. */
  manifest: Manifest | undefined;
  problems: ManifestProblem[];
}

export { MANIFEST_PATH, PROTECTION_DIR } from './layout';

export const TIER_COLORS: readonly TierColor[] = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'gray'];
export const ON_BREACH_VALUES: readonly Tier['onBreach'][] = ['restore', 'warn'];

/** Defaults applied to a tier's `unlock` fields that the manifest leaves out. */
export const DEFAULT_UNLOCK_POLICY: Readonly<UnlockPolicy> = { requireCode: true, approvals: 1, minReasonLength: 10, maxMinutes: 30 };

/** The keys each object of the manifest may have; others are reported as warnings (the schema agrees). */
export const MANIFEST_KEYS = {
  topLevel: ['$schema', 'tiers', 'components', 'guardedCommands', 'protectedBranches'],
  tier: ['label', 'badge', 'color', 'unlock', 'onBreach'],
  unlock: ['requireCode', 'approvals', 'minReasonLength', 'maxMinutes', 'unsignedApprovals'],
  component: ['tier', 'files', 'risk', 'impact', 'owners', 'unlockCodes'],
  guardedCommand: ['pattern', 'message'],
  protectedBranch: ['branch', 'message'],
} as const satisfies Record<string, readonly string[]>;
const TOP_LEVEL_KEYS = MANIFEST_KEYS.topLevel;
const TIER_KEYS = MANIFEST_KEYS.tier;
const UNLOCK_KEYS = MANIFEST_KEYS.unlock;
const COMPONENT_KEYS = MANIFEST_KEYS.component;
const GUARDED_COMMAND_KEYS = MANIFEST_KEYS.guardedCommand;
const PROTECTED_BRANCH_KEYS = MANIFEST_KEYS.protectedBranch;

/** Names that the one-line form `UNLOCK <NAME> WITH CODE: … FOR: …` can carry. */
const COMPONENT_NAME = /^[A-Za-z0-9_.-]+$/;
/** 0-based line and column of `offset` in `text` (`\n`, `\r\n` and `\r` end a line). */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  return new LineIndex(text).positionAt(offset);
}

class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) {
          i++;
        }
        this.starts.push(i + 1);
      } else if (ch === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }

  positionAt(offset: number): { line: number; column: number } {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid] <= clamped) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return { line: low, column: clamped - this.starts[low] };
  }
}

function syntaxMessage(error: ParseError): string {
  switch (printParseErrorCode(error.error)) {
    case 'InvalidSymbol':
      return 'Invalid JSON: unexpected character here; remove it or quote the value.';
    case 'InvalidNumberFormat':
      return 'Invalid JSON: malformed number; write a plain decimal number.';
    case 'PropertyNameExpected':
      return 'Invalid JSON: a property name in double quotes is expected here.';
    case 'ValueExpected':
      return 'Invalid JSON: a value is expected here.';
    case 'ColonExpected':
      return 'Invalid JSON: a colon is expected after the property name.';
    case 'CommaExpected':
      return 'Invalid JSON: a comma is expected before this item.';
    case 'CloseBraceExpected':
      return 'Invalid JSON: a closing brace "}" is expected here.';
    case 'CloseBracketExpected':
      return 'Invalid JSON: a closing bracket "]" is expected here.';
    case 'EndOfFileExpected':
      return 'Invalid JSON: the manifest must be a single object; remove the text after it.';
    case 'InvalidCommentToken':
      return 'Invalid JSON: malformed comment; use // or /* */.';
    case 'UnexpectedEndOfComment':
      return 'Invalid JSON: the comment is not closed; add "*/".';
    case 'UnexpectedEndOfString':
      return 'Invalid JSON: the string is not closed; add the closing double quote.';
    case 'UnexpectedEndOfNumber':
      return 'Invalid JSON: the number is incomplete; add its digits.';
    case 'InvalidUnicode':
      return 'Invalid JSON: malformed \\u escape; use four hex digits.';
    case 'InvalidEscapeCharacter':
      return 'Invalid JSON: unknown escape sequence; write a backslash as "\\\\".';
    case 'InvalidCharacter':
      return 'Invalid JSON: control character in a string; escape it (\\n, \\t).';
    default:
      return 'Invalid JSON here; fix the syntax.';
  }
}

/** Collects problems with positions; one per validation run. */
class Problems {
  readonly list: ManifestProblem[] = [];
  private readonly lines: LineIndex;

  constructor(private readonly text: string) {
    this.lines = new LineIndex(text);
  }

  /**
   * A contained error at `index`…`index + length` of a string's value: exactly there when the
   * string is written without escapes, else on the whole string.
   */
  containedInString(node: Node, index: number, length: number, message: string): void {
    const written = this.text.slice(node.offset, node.offset + node.length);
    const exact = written === JSON.stringify(node.value);
    const offset = exact ? node.offset + 1 + index : node.offset;
    this.at(offset, exact ? Math.max(1, length) : node.length, 'error', message);
    this.list[this.list.length - 1].contained = true;
  }

  at(offset: number, length: number, severity: ManifestProblem['severity'], message: string): void {
    const { line, column } = this.lines.positionAt(offset);
    this.list.push({ message, offset, length, line, column, severity });
  }

  error(node: Node, message: string): void {
    this.at(node.offset, node.length, 'error', message);
  }

  warning(node: Node, message: string): void {
    this.at(node.offset, node.length, 'warning', message);
  }

  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error' && p.contained !== true);
  }
}

interface Property {
  key: string;
  keyNode: Node;
  value: Node | undefined;
}

function propertiesOf(object: Node): Property[] {
  const out: Property[] = [];
  for (const prop of object.children ?? []) {
    const [keyNode, value] = prop.children ?? [];
    if (keyNode && typeof keyNode.value === 'string') {
      out.push({ key: keyNode.value, keyNode, value });
    }
  }
  return out;
}

/** First occurrence of each key; later duplicates are reported by the caller where it matters. */
function fieldsOf(object: Node): Map<string, Property> {
  const map = new Map<string, Property>();
  for (const prop of propertiesOf(object)) {
    if (!map.has(prop.key)) {
      map.set(prop.key, prop);
    }
  }
  return map;
}

function kindOf(node: Node): string {
  switch (node.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'null';
  }
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/**
 * Parses the manifest text (JSON with comments and trailing commas).
 * When the text is not valid JSON only the syntax errors are reported, since the rest of the
 * checks would describe a half-read document.
 */
export function parseManifest(text: string): ParsedManifest {
  const problems = new Problems(text);
  const syntaxErrors: ParseError[] = [];
  const root = parseTree(text, syntaxErrors, { allowTrailingComma: true, disallowComments: false });
  const onlyMissingValue = syntaxErrors.every((e) => printParseErrorCode(e.error) === 'ValueExpected');
  if (!root && onlyMissingValue) {
    problems.at(0, 0, 'error', 'The manifest is empty: write an object with "tiers" and "components".');
    return { manifest: undefined, problems: problems.list };
  }
  // The same error at the same place more than once (two closing braces missing at the end) is one
  // problem that says how many: two identical lines read as the same line printed twice.
  const seen = new Map<string, { error: ParseError; count: number }>();
  for (const error of syntaxErrors) {
    const key = `${error.offset}:${error.length}:${error.error}`;
    const entry = seen.get(key);
    if (entry) entry.count++;
    else seen.set(key, { error, count: 1 });
  }
  for (const { error, count } of seen.values()) {
    problems.at(error.offset, error.length, 'error', count > 1 ? `${syntaxMessage(error).replace(/\.$/, '')} (${count} times).` : syntaxMessage(error));
  }
  if (!root || syntaxErrors.length > 0) {
    return { manifest: undefined, problems: problems.list };
  }
  if (root.type !== 'object') {
    problems.error(root, `The manifest must be an object with "tiers" and "components", not ${kindOf(root)}.`);
    return { manifest: undefined, problems: problems.list };
  }
  const manifest = new Validator(problems).manifest(root);
  const sorted = [...problems.list].sort((a, b) => a.offset - b.offset);
  return { manifest: problems.hasErrors ? undefined : manifest, problems: sorted };
}

class Validator {
  /** Alternatives of the globs so far, toward `GLOB_LIMITS.rules`. */
  private rules = 0;

  constructor(private readonly problems: Problems) {}

  manifest(root: Node): Manifest {
    const fields = fieldsOf(root);
    this.unknownKeys(root, TOP_LEVEL_KEYS, 'at the top level of the manifest');
    this.duplicateKeys(root, (key) => `"${key}" appears twice at the top level; keep one.`);

    const schema = fields.get('$schema');
    if (schema?.value && schema.value.type !== 'string') {
      this.problems.error(schema.value, '"$schema" must be a string (the schema URL or path); fix or remove it.');
    }

    const tiers = this.tiers(root, fields.get('tiers'));
    const tierIds = new Set(tiers.map((t) => t.id));
    const components = this.components(root, fields.get('components'), tiers, tierIds);
    const guardedCommands = this.guardedCommands(fields.get('guardedCommands'));
    const { protectedBranches, protectedBranchMessages } = this.protectedBranches(fields.get('protectedBranches'));
    return { tiers, components, guardedCommands, protectedBranches, protectedBranchMessages };
  }

  private tiers(root: Node, prop: Property | undefined): Tier[] {
    if (!prop?.value) {
      this.problems.error(root, 'The manifest has no "tiers": add at least one tier, e.g. "tiers": { "tier1": { "label": "Tier 1" } }.');
      return [];
    }
    const node = prop.value;
    if (node.type !== 'object') {
      this.problems.error(node, `"tiers" must be an object keyed by tier id, not ${kindOf(node)}.`);
      return [];
    }
    const props = propertiesOf(node);
    if (props.length === 0) {
      this.problems.error(node, '"tiers" is empty: add at least one tier, most strict first.');
      return [];
    }
    const tiers: Tier[] = [];
    const seen = new Set<string>();
    for (const { key, keyNode, value } of props) {
      if (seen.has(key)) {
        this.problems.error(keyNode, `Tier "${key}" is declared twice; rename or remove one of them.`);
        continue;
      }
      seen.add(key);
      if (key.trim() === '') {
        this.problems.error(keyNode, 'A tier id must not be empty; name it, e.g. "tier1".');
        continue;
      }
      if (!value || value.type !== 'object') {
        this.problems.error(value ?? keyNode, `Tier "${key}" must be an object (e.g. { "label": "…" }), not ${value ? kindOf(value) : 'missing'}.`);
        continue;
      }
      tiers.push(this.tier(key, value, tiers.length));
    }
    return tiers;
  }

  private tier(id: string, node: Node, rank: number): Tier {
    const fields = fieldsOf(node);
    this.unknownKeys(node, TIER_KEYS, `in tier "${id}"`);
    this.duplicateKeys(node, (key) => `"${key}" appears twice in tier "${id}"; keep one.`);

    const label = this.string(fields.get('label'), `"label" of tier "${id}"`) ?? id;
    let badge = Array.from(id).slice(0, 2).join('').toUpperCase();
    const badgeNode = fields.get('badge')?.value;
    const badgeValue = this.string(fields.get('badge'), `"badge" of tier "${id}"`);
    if (badgeValue !== undefined && badgeNode) {
      const length = Array.from(badgeValue).length;
      if (length === 0 || length > 2) {
        this.problems.error(badgeNode, `"badge" must be one or two characters (VS Code shows no more in the explorer); shorten "${badgeValue}".`);
      } else {
        badge = badgeValue;
      }
    }
    const color = this.enumValue(fields.get('color'), TIER_COLORS, `"color" of tier "${id}"`) ?? 'gray';
    const onBreach = this.enumValue(fields.get('onBreach'), ON_BREACH_VALUES, `"onBreach" of tier "${id}"`) ?? 'restore';
    const unlock = this.unlock(id, fields.get('unlock'));
    return { id, label, badge, color, unlock, onBreach, rank };
  }

  private unlock(tierId: string, prop: Property | undefined): UnlockPolicy {
    const policy: UnlockPolicy = { ...DEFAULT_UNLOCK_POLICY };
    if (!prop?.value) {
      return policy;
    }
    const node = prop.value;
    if (node.type !== 'object') {
      this.problems.error(node, `"unlock" of tier "${tierId}" must be an object such as { "requireCode": true }, not ${kindOf(node)}.`);
      return policy;
    }
    const fields = fieldsOf(node);
    this.unknownKeys(node, UNLOCK_KEYS, `in "unlock" of tier "${tierId}"`);
    this.duplicateKeys(node, (key) => `"${key}" appears twice in "unlock" of tier "${tierId}"; keep one.`);

    const requireCode = fields.get('requireCode')?.value;
    if (requireCode) {
      if (requireCode.type === 'boolean') {
        policy.requireCode = requireCode.value as boolean;
      } else {
        this.problems.error(requireCode, `"requireCode" must be true or false, not ${kindOf(requireCode)}.`);
      }
    }
    const approvals = fields.get('approvals')?.value;
    if (approvals) {
      if (approvals.type === 'number' && (approvals.value === 1 || approvals.value === 2)) {
        policy.approvals = approvals.value;
      } else {
        this.problems.error(approvals, '"approvals" must be 1 or 2 (the number of codes from different owners an unlock needs).');
      }
    }
    const minReasonLength = this.positiveInteger(fields.get('minReasonLength'));
    if (minReasonLength !== undefined) {
      policy.minReasonLength = minReasonLength;
    }
    const maxMinutes = this.positiveInteger(fields.get('maxMinutes'));
    if (maxMinutes !== undefined) {
      policy.maxMinutes = maxMinutes;
    }
    const unsigned = fields.get('unsignedApprovals')?.value;
    if (unsigned) {
      if (unsigned.value === 'warn' || unsigned.value === 'fail') {
        policy.unsignedApprovals = unsigned.value;
      } else {
        this.problems.error(unsigned, '"unsignedApprovals" must be "warn" or "fail" (what verify does with approvals not signed by an owner\'s code).');
      }
    }
    return policy;
  }

  private components(root: Node, prop: Property | undefined, tiers: Tier[], tierIds: Set<string>): Component[] {
    if (!prop?.value) {
      this.problems.at(root.offset, 1, 'warning', 'The manifest has no "components": only .protection/ is protected; add components to protect files.');
      return [];
    }
    const node = prop.value;
    if (node.type !== 'object') {
      this.problems.error(node, `"components" must be an object keyed by component name, not ${kindOf(node)}.`);
      return [];
    }
    const components: Component[] = [];
    const seen = new Set<string>();
    for (const { key, keyNode, value } of propertiesOf(node)) {
      if (seen.has(key)) {
        this.problems.error(keyNode, `Component "${key}" is declared twice; merge the two or rename one.`);
        continue;
      }
      seen.add(key);
      if (key.trim() === '') {
        this.problems.error(keyNode, 'A component name must not be empty; name it, e.g. "BOOKING_FLOW".');
        continue;
      }
      if (!COMPONENT_NAME.test(key)) {
        this.problems.warning(keyNode, `Component name "${key}" has spaces or symbols, so the one-line UNLOCK form cannot name it; use letters, digits, "_", "-" or ".".`);
      }
      if (!value || value.type !== 'object') {
        this.problems.error(value ?? keyNode, `Component "${key}" must be an object with "tier" and "files", not ${value ? kindOf(value) : 'missing'}.`);
        continue;
      }
      const component = this.component(key, keyNode, value, tierIds);
      if (component) {
        components.push(component);
        this.codeCoverage(component, keyNode, tiers);
      }
    }
    return components;
  }

  private component(name: string, keyNode: Node, node: Node, tierIds: Set<string>): Component | undefined {
    const fields = fieldsOf(node);
    this.unknownKeys(node, COMPONENT_KEYS, `in component "${name}"`);
    this.duplicateKeys(node, (key) => `"${key}" appears twice in component "${name}"; keep one.`);
    let ok = true;

    const tierNode = fields.get('tier')?.value;
    let tier = '';
    if (!tierNode) {
      this.problems.error(keyNode, `Component "${name}" has no "tier": add one of ${quoteList([...tierIds])}.`);
      ok = false;
    } else if (tierNode.type !== 'string') {
      this.problems.error(tierNode, `"tier" must be a tier id string such as ${quoteList([...tierIds].slice(0, 1))}, not ${kindOf(tierNode)}.`);
      ok = false;
    } else if (!tierIds.has(tierNode.value as string)) {
      this.problems.error(tierNode, `Unknown tier "${tierNode.value as string}": use one of ${quoteList([...tierIds])}.`);
      ok = false;
    } else {
      tier = tierNode.value as string;
    }

    const files = this.files(name, keyNode, fields.get('files'));
    if (!files) {
      ok = false;
    }
    const risk = this.string(fields.get('risk'), `"risk" of component "${name}"`) ?? '';
    const impact = this.string(fields.get('impact'), `"impact" of component "${name}"`) ?? '';
    const owners = this.stringArray(fields.get('owners'), 'owners', 'an owner (name or email)') ?? [];
    const unlockCodes = this.unlockCodes(fields.get('unlockCodes'));
    return ok && files ? { name, tier, files, risk, impact, owners, unlockCodes } : undefined;
  }

  private files(name: string, keyNode: Node, prop: Property | undefined): string[] | undefined {
    const node = prop?.value;
    if (!node) {
      this.problems.error(keyNode, `Component "${name}" has no "files": add a list of globs such as ["src/payments/**"].`);
      return undefined;
    }
    if (node.type !== 'array') {
      this.problems.error(node, `"files" must be an array of globs such as ["src/payments/**"], not ${kindOf(node)}.`);
      return undefined;
    }
    const items = node.children ?? [];
    if (items.length === 0) {
      this.problems.error(node, `"files" of component "${name}" is empty: list at least one glob, or remove the component.`);
      return undefined;
    }
    const globs: string[] = [];
    let ok = true;
    for (const item of items) {
      if (item.type !== 'string') {
        this.problems.error(item, `Each entry of "files" must be a glob string, not ${kindOf(item)}.`);
        ok = false;
        continue;
      }
      const glob = item.value as string;
      if (glob.trim() === '') {
        this.problems.error(item, 'An empty glob matches nothing; write a path or pattern, or remove the entry.');
        ok = false;
      } else if (escapesFolder(glob)) {
        this.problems.error(item, `"${glob}" escapes the workspace folder; write a path relative to the folder, without a leading "/", a drive or "..".`);
        ok = false;
      } else if (glob.startsWith('!')) {
        this.problems.warning(item, `"${glob}" is matched literally: negated globs are not supported; list the files to protect instead.`);
      } else if (glob.startsWith('#')) {
        this.problems.warning(item, `"${glob}" is matched literally (a leading "#" is not a comment here); remove it if it was meant as one.`);
      } else if (glob.includes('\\')) {
        this.problems.warning(item, `"${glob}" contains a backslash, which escapes the next character in a glob; separate folders with "/".`);
      } else if (glob.endsWith('/')) {
        this.problems.warning(item, `"${glob}" ends with "/" and matches no file; write "${glob}**" to protect the folder's contents.`);
      }
      globs.push(this.bounded(name, item, glob));
    }
    return ok ? [...new Set(globs)] : undefined;
  }

  /**
   * `glob`, or its stand-in when it is past a bound: reported as an error where it is written,
   * while the rest of the manifest stays in force (a broken manifest would leave an older one,
   * or only `.protection/**`, in force: that could unprotect far more than a stand-in does).
   */
  private bounded(component: string, item: Node, glob: string): string {
    const check = checkGlob(glob);
    if (!isGlobExcess(check) && this.rules + check.rules <= GLOB_LIMITS.rules) {
      this.rules += check.rules;
      return glob;
    }
    this.rules += 1;
    const standIn = standInGlob(glob);
    const what = standIn === '**' ? 'every file in the folder' : `every file under "${standIn.slice(0, -3)}"`;
    const why = isGlobExcess(check)
      ? check.message
      : `The globs of this manifest expand to more than ${GLOB_LIMITS.rules} alternatives together (literal paths not counted); protect common folders instead.`;
    this.problems.containedInString(item, isGlobExcess(check) ? check.index : 0, isGlobExcess(check) ? check.length : glob.length,
      `${why} Until it is simplified, ${what} is protected by component "${component}" in its place ("${standIn}").`);
    return standIn;
  }

  private unlockCodes(prop: Property | undefined): string[] {
    const node = prop?.value;
    if (!node) {
      return [];
    }
    if (node.type !== 'array') {
      this.problems.error(node, `"unlockCodes" must be an array of code hashes, not ${kindOf(node)}; use Set Unlock Code… to write it.`);
      return [];
    }
    const codes: string[] = [];
    for (const item of node.children ?? []) {
      // The same check as the code checker's: an entry it would reject could never unlock, and
      // every attempt against it would count toward the lockout.
      if (item.type !== 'string' || !isCodeHash(item.value as string)) {
        this.problems.error(item, 'Malformed unlock code hash (expected "ed25519$N$r$p$salt$key[$owner]" as Set Unlock Code… writes it, or a legacy "scrypt$N$r$p$salt$hash"; N a power of two from 1024 to 2^20, r 1–32, p 1–16); never write a plain code here, use Set Unlock Code… instead.');
        continue;
      }
      codes.push(item.value as string);
    }
    return codes;
  }

  /** A tier that requires codes is unusable for a component that has too few of them. */
  private codeCoverage(component: Component, keyNode: Node, tiers: Tier[]): void {
    const tier = tiers.find((t) => t.id === component.tier);
    if (!tier?.unlock.requireCode) {
      return;
    }
    const needed = tier.unlock.approvals;
    if (component.unlockCodes.length < needed) {
      const have = component.unlockCodes.length === 0 ? 'no "unlockCodes"' : `only ${component.unlockCodes.length} unlock code`;
      this.problems.warning(keyNode, `Component "${component.name}" is in tier "${tier.id}", which needs ${needed} code${needed === 1 ? '' : 's'} to unlock, but has ${have}; run Set Unlock Code… to add one.`);
    }
  }

  private guardedCommands(prop: Property | undefined): GuardedCommand[] {
    const node = prop?.value;
    if (!node) {
      return [];
    }
    if (node.type !== 'array') {
      this.problems.error(node, `"guardedCommands" must be an array of { "pattern", "message" } objects, not ${kindOf(node)}.`);
      return [];
    }
    const out: GuardedCommand[] = [];
    for (const item of node.children ?? []) {
      if (item.type !== 'object') {
        this.problems.error(item, `Each guarded command must be an object { "pattern": "…", "message": "…" }, not ${kindOf(item)}.`);
        continue;
      }
      const fields = fieldsOf(item);
      this.unknownKeys(item, GUARDED_COMMAND_KEYS, 'in a guarded command');
      this.duplicateKeys(item, (key) => `"${key}" appears twice in a guarded command; keep one.`);
      const patternProp = fields.get('pattern');
      const pattern = this.string(patternProp, '"pattern" of a guarded command');
      if (!patternProp?.value) {
        this.problems.error(item, 'A guarded command needs a "pattern": the command text to stop, e.g. "db reset".');
        continue;
      }
      if (pattern === undefined) {
        continue;
      }
      if (pattern.trim() === '') {
        this.problems.error(patternProp.value, 'An empty "pattern" would guard every command; write the command text to stop.');
        continue;
      }
      const message = this.string(fields.get('message'), '"message" of a guarded command') ?? '';
      out.push({ pattern, message });
    }
    return out;
  }

  /** Entries are a branch name or glob, or `{ "branch": "…", "message": "…" }`. */
  private protectedBranches(prop: Property | undefined): Pick<Manifest, 'protectedBranches'> & { protectedBranchMessages: Record<string, string> } {
    const protectedBranches: string[] = [];
    const protectedBranchMessages: Record<string, string> = {};
    const node = prop?.value;
    if (!node) {
      return { protectedBranches, protectedBranchMessages };
    }
    if (node.type !== 'array') {
      this.problems.error(node, `"protectedBranches" must be an array of branch names (or { "branch", "message" } objects), not ${kindOf(node)}.`);
      return { protectedBranches, protectedBranchMessages };
    }
    for (const item of node.children ?? []) {
      if (item.type === 'string') {
        protectedBranches.push(item.value as string);
        continue;
      }
      if (item.type !== 'object') {
        this.problems.error(item, `Each entry of "protectedBranches" must be a string (a branch name) or an object { "branch": "…", "message": "…" }, not ${kindOf(item)}.`);
        continue;
      }
      const fields = fieldsOf(item);
      this.unknownKeys(item, PROTECTED_BRANCH_KEYS, 'in a protected branch');
      this.duplicateKeys(item, (key) => `"${key}" appears twice in a protected branch; keep one.`);
      const branchProp = fields.get('branch');
      const branch = this.string(branchProp, '"branch" of a protected branch');
      const message = this.string(fields.get('message'), '"message" of a protected branch');
      if (!branchProp?.value) {
        this.problems.error(item, 'A protected branch object needs a "branch": the branch name or glob, e.g. "main" or "release/*".');
        continue;
      }
      if (branch === undefined) {
        continue;
      }
      if (branch.trim() === '') {
        this.problems.error(branchProp.value, 'An empty "branch" protects nothing; write the branch name or glob, e.g. "main".');
        continue;
      }
      protectedBranches.push(branch);
      if (message !== undefined && message.trim() !== '' && !Object.hasOwn(protectedBranchMessages, branch)) {
        protectedBranchMessages[branch] = message;
      }
    }
    return { protectedBranches, protectedBranchMessages };
  }

  private string(prop: Property | undefined, what: string): string | undefined {
    const node = prop?.value;
    if (!node) {
      return undefined;
    }
    if (node.type !== 'string') {
      this.problems.error(node, `${what} must be a string, not ${kindOf(node)}.`);
      return undefined;
    }
    return node.value as string;
  }

  private stringArray(prop: Property | undefined, key: string, item: string): string[] | undefined {
    const node = prop?.value;
    if (!node) {
      return undefined;
    }
    if (node.type !== 'array') {
      this.problems.error(node, `"${key}" must be an array of strings, each ${item}, not ${kindOf(node)}.`);
      return undefined;
    }
    const out: string[] = [];
    for (const child of node.children ?? []) {
      if (child.type !== 'string') {
        this.problems.error(child, `Each entry of "${key}" must be a string (${item}), not ${kindOf(child)}.`);
        continue;
      }
      out.push(child.value as string);
    }
    return out;
  }

  private enumValue<T extends string>(prop: Property | undefined, allowed: readonly T[], what: string): T | undefined {
    const node = prop?.value;
    if (!node) {
      return undefined;
    }
    if (node.type !== 'string' || !(allowed as readonly string[]).includes(node.value as string)) {
      const shown = node.type === 'string' ? `"${node.value as string}"` : kindOf(node);
      this.problems.error(node, `${what} must be one of ${quoteList(allowed)}, not ${shown}.`);
      return undefined;
    }
    return node.value as T;
  }

  private positiveInteger(prop: Property | undefined): number | undefined {
    const node = prop?.value;
    if (!node) {
      return undefined;
    }
    if (node.type !== 'number' || !Number.isSafeInteger(node.value) || (node.value as number) < 1) {
      this.problems.error(node, `"${prop.key}" must be a whole number of at least 1, not ${node.type === 'number' ? String(node.value) : kindOf(node)}.`);
      return undefined;
    }
    return node.value as number;
  }

  private unknownKeys(object: Node, known: readonly string[], where: string): void {
    for (const { key, keyNode } of propertiesOf(object)) {
      if (!known.includes(key)) {
        this.problems.warning(keyNode, `Unknown key "${key}" ${where} is ignored; expected one of ${quoteList(known)}.`);
      }
    }
  }

  /**
   * A repeated field is an error: readers disagree on which one wins (JSON.parse takes the last,
   * a reviewer may read the first), so it could hide a loosened policy. Duplicates in the maps of
   * names (tiers, components) are reported by their own checks.
   */
  private duplicateKeys(object: Node, message: (key: string) => string): void {
    const seen = new Set<string>();
    for (const { key, keyNode } of propertiesOf(object)) {
      if (seen.has(key)) {
        this.problems.error(keyNode, message(key));
      }
      seen.add(key);
    }
  }
}

/** The tier with rank 0 (declared first), if any. */
export function strictestTier(m: Manifest): Tier | undefined {
  let best: Tier | undefined;
  for (const tier of m.tiers) {
    if (!best || tier.rank < best.rank) {
      best = tier;
    }
  }
  return best;
}

export function findTier(m: Manifest, id: string): Tier | undefined {
  return m.tiers.find((t) => t.id === id);
}

export function findComponent(m: Manifest, name: string): Component | undefined {
  return m.components.find((c) => c.name === name);
}

/**
 * Edits that set `components.<name>.unlockCodes` to `hashes`, touching nothing else: comments,
 * trailing commas and the layout of the other fields stay as they are. The array is written in the
 * style of its object (one line for a one-line object, else one hash a line, 2-space indent, the
 * file's own line ends). Apply the edits with jsonc-parser's `applyEdits` or as editor text edits.
 *
 * Written by hand rather than with jsonc-parser's `modify`: when it adds a property, `modify`
 * reformats the previous one and moves that property's end-of-line comment onto the new one.
 * @throws Error when the text does not parse or has no component `name`: the edit would
 * otherwise create a component with only codes.
 */
export function setComponentCodeEdit(text: string, component: string, hashes: string[]): { offset: number; length: number; content: string }[] {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (!root || errors.length > 0) {
    throw new Error('The manifest has syntax errors; fix them before setting an unlock code.');
  }
  const components = root.type === 'object' ? fieldsOf(root).get('components')?.value : undefined;
  const target = components?.type === 'object' ? fieldsOf(components).get(component)?.value : undefined;
  if (target?.type !== 'object') {
    throw new Error(`Component "${component}" is not in the manifest; add it before setting its unlock code.`);
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const multiline = /[\r\n]/.test(text.slice(target.offset, target.offset + target.length));
  const indentAt = (offset: number): string => {
    const lineStart = Math.max(text.lastIndexOf('\n', offset - 1), text.lastIndexOf('\r', offset - 1)) + 1;
    return /^[ \t]*/.exec(text.slice(lineStart, offset))?.[0] ?? '';
  };
  const arrayText = (indent: string): string => {
    const items = hashes.map((h) => JSON.stringify(h));
    if (items.length === 0) {
      return '[]';
    }
    return multiline ? `[${eol}${items.map((i) => `${indent}  ${i}`).join(`,${eol}`)}${eol}${indent}]` : `[${items.join(', ')}]`;
  };

  const existing = fieldsOf(target).get('unlockCodes');
  if (existing?.value) {
    const value = existing.value;
    return [{ offset: value.offset, length: value.length, content: arrayText(indentAt(existing.keyNode.offset)) }];
  }
  const props = target.children ?? [];
  const last = props[props.length - 1];
  if (!last) {
    return [{ offset: target.offset + 1, length: 0, content: ` "unlockCodes": ${arrayText('')} ` }];
  }
  // After the last property: an optional comma, then comments that belong to its line.
  const valueEnd = last.offset + last.length;
  let pos = valueEnd;
  const comma = /^[ \t]*,/.exec(text.slice(pos));
  const hadComma = comma !== null;
  if (comma) {
    pos += comma[0].length;
  }
  if (!multiline) {
    const property = `"unlockCodes": ${arrayText('')}`;
    return [{ offset: pos, length: 0, content: hadComma ? ` ${property},` : `, ${property}` }];
  }
  for (;;) {
    const rest = text.slice(pos);
    const lineComment = /^[ \t]*\/\/[^\r\n]*/.exec(rest);
    const blockComment = /^[ \t]*\/\*[^\r\n]*?\*\//.exec(rest);
    const match = lineComment ?? blockComment;
    if (!match) {
      break;
    }
    pos += match[0].length;
  }
  const indent = indentAt(last.offset);
  const property = `${eol}${indent}"unlockCodes": ${arrayText(indent)}${hadComma ? ',' : ''}`;
  if (hadComma) {
    return [{ offset: pos, length: 0, content: property }];
  }
  if (pos === valueEnd) {
    return [{ offset: pos, length: 0, content: `,${property}` }];
  }
  return [
    { offset: valueEnd, length: 0, content: ',' },
    { offset: pos, length: 0, content: property },
  ];
}
