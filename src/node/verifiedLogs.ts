// The audit logs this clone's commit gate has found whole, by git object id: a log is the same
// bytes wherever its id is seen, so one the gate parsed without a problem and whose chain verified
// need not be parsed and chained again when it is HEAD's log at the next commit. The pre-commit
// gate would otherwise rehash every record of the log on every commit (the log only grows), and
// a log that git reports under an id not listed here (a commit made past the hook, a log edited
// in history) is checked in full as before.
//
// The list lives beside the grants in the git directory (`.git/protected-files/`, refused to every
// agent tool like the grants): whoever can write there can forge a grant, which opens every lock,
// and can commit past the hook anyway. Only `verify --staged` reads it; CI's `verify --base` trusts
// nothing it did not check in the same run. A list that cannot be read, or is not one this version
// wrote, is no list: the logs are checked in full.
import { existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readBounded } from './boundedRead';
import { findGitDir } from './grantStore';

/**
 * What a listed log passed: parseAuditLog found no problem and verifyChain no break. Raised whenever
 * either accepts less than before (a new check on records), so that a list written under looser rules
 * is not read.
 */
export const AUDIT_RULES_VERSION = 1;

const FILE = 'verified-logs';
/** The list's first line: the rules its logs passed, and the form of its lines (`<object id> <records>`). */
export const VERIFIED_LOGS_HEADER = `protected-files verified-logs ${AUDIT_RULES_VERSION} 2`;
/** The logs remembered: the last few HEADs' and the commits' in between (a new one pushes out the oldest). */
export const VERIFIED_LOGS_LIMIT = 32;
const MAX_BYTES = 8192;
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const LINE = /^([0-9a-f]{40}|[0-9a-f]{64}) (0|[1-9][0-9]{0,8})$/;

/** A log found whole: its git object id and how many records it holds. */
export interface VerifiedLog {
  id: string;
  records: number;
}

export class VerifiedLogs {
  private constructor(private readonly dir: string, private readonly logs: VerifiedLog[]) {}

  /**
   * The list of the checkout around `cwd`, found without running git; undefined where git would
   * take another repository than the one found (GIT_DIR naming another, GIT_WORK_TREE or
   * GIT_COMMON_DIR set): nothing is read or written then.
   */
  static open(cwd: string, env: NodeJS.ProcessEnv): VerifiedLogs | undefined {
    if (env.GIT_WORK_TREE || env.GIT_COMMON_DIR) return undefined;
    const git = findGitDir(cwd);
    if (!git) return undefined;
    // Inside a hook of a linked worktree git sets GIT_DIR to that worktree's git directory.
    if (env.GIT_DIR && resolve(cwd, env.GIT_DIR) !== git.gitDir) return undefined;
    const dir = join(git.gitDir, 'protected-files');
    return new VerifiedLogs(dir, readList(join(dir, FILE)));
  }

  /** Whether the log with object id `id` was found whole. */
  has(id: string | undefined): boolean {
    return this.records(id) !== undefined;
  }

  /** How many records the log with object id `id` holds, if it was found whole. */
  records(id: string | undefined): number | undefined {
    return id === undefined ? undefined : this.logs.find((l) => l.id === id)?.records;
  }

  /**
   * Adds `ids` (logs just found whole) and writes the list, replacing it in one rename; a list that
   * cannot be written is left as it was (the next commit checks the log in full). Synchronous: a few
   * hundred bytes, written only by a commit whose log is new to the list.
   */
  add(logs: readonly (VerifiedLog | undefined)[]): void {
    const fresh = logs.filter((l): l is VerifiedLog => l !== undefined && OBJECT_ID.test(l.id) && Number.isSafeInteger(l.records) && l.records >= 0 && !this.has(l.id));
    if (fresh.length === 0) return;
    for (const l of fresh) if (!this.has(l.id)) this.logs.push({ id: l.id, records: l.records });
    this.logs.splice(0, Math.max(0, this.logs.length - VERIFIED_LOGS_LIMIT));
    const path = join(this.dir, FILE);
    const temp = `${path}.${process.pid}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // `wx`: a file (or a link) already at the temp name is not written through.
      writeFileSync(temp, `${[VERIFIED_LOGS_HEADER, ...this.logs.map((l) => `${l.id} ${l.records}`)].join('\n')}\n`, { flag: 'wx', mode: 0o600 });
      renameSync(temp, path); // replaces a link at `path` itself, never what it points to
    } catch {
      try {
        unlinkSync(temp);
      } catch {
        // not there
      }
    }
  }
}

/** The logs listed at `path`; none when it is missing, not a regular file (a link is not followed), too large or not in this format. */
function readList(path: string): VerifiedLog[] {
  // Most clones have no list yet: asked first, as a failed open builds an error (~0.1 ms of a commit).
  if (!existsSync(path)) return [];
  const bytes = readBounded(path, MAX_BYTES);
  if (!bytes) return [];
  const lines = bytes.toString('latin1').split('\n');
  if (lines[0] !== VERIFIED_LOGS_HEADER || lines[lines.length - 1] !== '') return [];
  const logs: VerifiedLog[] = [];
  for (const line of lines.slice(1, -1)) {
    const m = LINE.exec(line);
    if (!m) return [];
    logs.push({ id: m[1], records: Number(m[2]) });
  }
  return logs.length <= VERIFIED_LOGS_LIMIT ? logs : [];
}
