// `protected-files watch [--once]`: the editor's breach guard without the editor, for an agent in a
// terminal or a script while VS Code is closed. The same engine (src/node/breachEngine.ts), the
// same records; one line a event. With VS Code open on the folder, one of the two is the guard (the
// lease in src/node/guardLease.ts) and the other stands by, so a breach is restored and recorded once.
import { watch as watchDir } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { describeBreach } from '../core/breach';
import type { BreachOutcome } from '../core/breach';
import { grantIn } from '../core/grantState';
import { AUDIT_LOG_PATH } from '../core/layout';
import { MANIFEST_PATH, PROTECTION_DIR, parseManifest } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import { approvalWords, manifestRefusal } from '../core/manifestApproval';
import { ProtectionMatcher } from '../core/matcher';
import type { Classification } from '../core/matcher';
import { isExtensionWritten } from '../core/policy';
import { targetKey } from '../core/unlocks';
import type { Grant } from '../core/unlocks';
import { BreachEngine, directoriesOf } from '../node/breachEngine';
import { runGit } from '../node/gitChanges';
import { notRecordedLine, recordGrantChanges } from '../node/grantChanges';
import { certifiedGrants } from '../node/certifiedGrants';
import { grantStoreFor } from '../node/grantStore';
import type { GrantStore } from '../node/grantStore';
import { GuardLease, leasePathFor } from '../node/guardLease';
import { AuditRecorder } from '../node/recorder';
import { judgeManifest, manifestHash } from '../node/manifestInForce';
import type { ManifestGateOptions, ManifestVersion } from '../node/manifestInForce';
import { readRegularFileStrictSync, readRegularFileSync } from '../node/regularFile';
import { endGrantWith } from '../node/unlocking';
import { manifestOrThrow } from './enforcedManifest';
import { CliError, EXIT_FAIL, EXIT_OK, caseInsensitiveFs, findWorkspaceRoot, parseCommandArgs } from './io';
import type { CliIo } from './io';

export const WATCH_HELP = `Usage: protected-files watch [--once]

The breach guard without VS Code: watches the protected files of this folder and handles a
write to a locked file as the extension does (backup, "breach" record, and for a tier whose
onBreach is "restore" the approved content written back), one line per event. First it checks
what changed while nothing was watching (git status and the audit log's approvals). Grants
from VS Code, protected-files unlock or an agent's hook are honoured; a grant that reaches its
time limit is ended with its changes recorded. Ctrl+C stops it.

With VS Code open on the same folder, one of them is the guard and the other stands by (and
takes over if the guard stops), so each breach is restored and recorded once.

  --once   check every protected file now, restore what is not approved, and exit

Exit codes: 0 nothing restored (watch: stopped); 1 --once restored something; 2 usage,
manifest or git error.
`;

/** Tests and callers may stop a foreground watch without a signal. */
export interface WatchControl {
  stop?: Promise<void>;
}

export async function runWatch(args: string[], io: CliIo, control: WatchControl = {}): Promise<number> {
  const { values } = parseCommandArgs('watch', args, { options: { once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false });
  if (values.help) {
    io.stdout(WATCH_HELP);
    return EXIT_OK;
  }
  const root = findWorkspaceRoot(io.cwd);
  if (!root) throw new CliError(`No protection manifest: no ${MANIFEST_PATH} in ${io.cwd} or above.`, 'Run this inside the repository that has it.');
  // Read once: the manifest parsed and the bytes judged and hashed below are the same version.
  const diskBytes = readWorkTreeManifestBytes(root);
  const diskManifest = manifestOrThrow(diskBytes ? manifestText(diskBytes) : '', MANIFEST_PATH);
  const store = grantStoreFor(root);
  if (!store) throw new CliError(`${root} is not in a git repository: the guard needs git for the approved content and the grants.`, 'Run git init (or work in a clone) first.');
  // The manifest in force is the last approved one (src/core/manifestApproval.ts): the work tree's
  // only when HEAD holds it, a grant covers it or its change is recorded; else HEAD's, and the one on
  // disk is a breach that the check at start restores.
  const gate: ManifestGateOptions = { root, env: io.env, grants: () => store.readSync(), caseInsensitive: caseInsensitiveFs() };
  const atStart = diskBytes ? await judgeManifest(gate, diskBytes, undefined) : undefined;
  const committed = atStart?.approved ? undefined : atStart?.committed;
  let inForce: ManifestVersion;
  if (!committed) {
    inForce = { manifest: diskManifest, hash: manifestHash(diskBytes ?? new Uint8Array()) };
  } else {
    inForce = committed;
    io.stderr(`protected-files: ${manifestRefusal(committed)}\n`);
  }
  let manifest = inForce.manifest;
  let matcher = new ProtectionMatcher(manifest, { caseInsensitive: caseInsensitiveFs() });
  const recorder = new AuditRecorder(root);
  const time = (): string => new Date().toTimeString().slice(0, 8);
  const say = (line: string): void => io.stdout(`${time()} ${line}\n`);
  const outcomes: BreachOutcome[] = [];
  const engine = new BreachEngine({
    root, recorder, env: io.env, persistentWatchers: true,
    policy: {
      classify: (rel) => matcher.classify(rel),
      manifest: () => manifest,
      mayProtectUnder: (dir) => matcher.mayProtectUnder(dir),
      // Only a certified grant counts (see certifiedGrants): one written into the store by hand opens nothing.
      grantFor: async (rel, c) => {
        const state = await certifiedGrants(store.readSync(), root, manifest, (p) => matcher.classify(p), io.env);
        return grantIn(state, rel, c.component?.name, Date.now());
      },
    },
    onOutcome: (o) => {
      outcomes.push(o);
      say(describeBreach(o));
    },
    log: (level, message) => { if (level !== 'info') io.stderr(`protected-files: ${message}\n`); },
    onUnwatched: (n) => { if (n === 0) say('every folder with protected files is watched again.'); },
  });
  await store.ensureDir();
  const lease = new GuardLease(leasePathFor(store.path), 'protected-files watch');

  // The protected files (tracked and untracked): the folders to watch, and the files whose hard links git cannot see.
  const inventory = async (): Promise<Map<string, Classification>> => {
    const r = await runGit(['ls-files', '-z', '-c', '-o', '--exclude-standard'], root, io.env);
    if (r.code !== 0) throw new CliError(`git ls-files failed: ${r.stderr.split('\n')[0]}`);
    const files = new Map<string, Classification>();
    for (const rel of r.stdout.toString('utf8').split('\0')) {
      const c = rel ? matcher.classify(rel) : undefined;
      if (c && !isExtensionWritten(rel)) files.set(rel, c);
    }
    return files;
  };
  if (values.once) {
    if (!(await lease.tryAcquire())) {
      const h = await lease.holder();
      io.stdout(`${h ? `${h.who} (pid ${h.pid})` : 'Another guard'} is guarding ${root}: it checks and restores this folder; nothing was done here.\n`);
      engine.dispose();
      return EXIT_OK;
    }
    try {
      const found = await engine.scanAtStart((await inventory()).keys());
      await engine.settled();
      const restored = found.filter((o) => o.restored).length;
      const failed = found.filter((o) => o.notRestored).length;
      io.stdout(found.length === 0 ? 'No breach: every locked file holds its approved content (or a breach already recorded).\n'
        : `${found.length} breach(es) found${restored ? `, ${restored} restored` : ''}${failed ? `, ${failed} could not be restored` : ''}; recorded in .protection/audit.jsonl, backups in .protection/backups/.\n`);
      return restored > 0 || failed > 0 ? EXIT_FAIL : EXIT_OK;
    } finally {
      engine.dispose();
      await lease.release();
    }
  }

  // Foreground: the directories of the protected files, and the manifest: an approved change (under a
  // grant, recorded, or HEAD moved to it) is put in force; any other is never used, and the engine
  // judges that write, as any write to a locked file, under the manifest in force.
  let files = await inventory();
  const watchAll = (): void => engine.watchDirs(new Set([...directoriesOf(root, files), join(root, PROTECTION_DIR)]));
  let manifestWatcher: FSWatcher | undefined;
  // One judgement at a time, each of what the disk holds when it runs.
  let judging: Promise<void> = Promise.resolve();
  let refused: string | undefined;
  const rejudge = (): void => {
    judging = judging.then(async () => {
      const bytes = readManifestBytes(root);
      // A broken or deleted manifest never loosens protection: the last valid one stays.
      const parsed = bytes && parseManifest(manifestText(bytes));
      if (!bytes || !parsed || !parsed.manifest) return;
      const verdict = await judgeManifest(gate, bytes, inForce);
      const hash = manifestHash(bytes);
      if (!verdict.approved) {
        if (refused !== hash) say(manifestRefusal());
        refused = hash;
        return;
      }
      refused = undefined;
      if (verdict.approved === 'unchanged') return;
      inForce = { manifest: parsed.manifest, hash };
      manifest = parsed.manifest;
      matcher = new ProtectionMatcher(parsed.manifest, { caseInsensitive: caseInsensitiveFs() });
      say(`${MANIFEST_PATH} changed (${approvalWords(verdict.approved)}): now in force`);
      files = await inventory();
      watchAll();
    }).catch((err) => io.stderr(`protected-files: could not read ${MANIFEST_PATH}: ${String(err)}\n`));
  };
  const manifestName = MANIFEST_PATH.slice(PROTECTION_DIR.length + 1);
  const auditName = AUDIT_LOG_PATH.slice(PROTECTION_DIR.length + 1);
  try {
    manifestWatcher = watchDir(join(root, PROTECTION_DIR), { persistent: false }, (_e, name) => {
      const file = name?.toString();
      // A manifest kept out is judged again when the log grows (its change may be recorded now).
      if (file === manifestName || (file === auditName && refused !== undefined)) rejudge();
    });
  } catch {
    manifestWatcher = undefined;
  }

  const expiry = new ExpiryTimer(store, async (g) => {
    const deps = { folderPath: root, store, recorder, now: Date.now };
    // A grant written into the store by hand (no owner's certificate) unlocked nothing: it is dropped,
    // with no record (its changes were breaches, judged as such; its reason is the writer's).
    const state = store.readSync();
    const same = (x: Grant): boolean => targetKey(x.target) === targetKey(g.target) && x.grantedAt === g.grantedAt && x.key === g.key;
    const certified = await certifiedGrants({ ...state, grants: state.grants.filter(same) }, root, manifest, (p) => matcher.classify(p), io.env);
    if (certified.grants.length === 0) {
      await store.update((current) => void (current.grants = current.grants.filter((x) => !same(x))));
      say(`${g.target.kind === 'component' ? g.target.name : g.target.path}: a grant with no owner's certificate reached its time limit and was dropped (it unlocked nothing)`);
      return;
    }
    const covered = [...files].filter(([rel, c]) => g.target.kind === 'component' ? c.component?.name === g.target.name : rel === g.target.path)
      .map(([rel, classification]) => ({ rel, classification }));
    const tier = g.target.kind === 'component' ? covered[0]?.classification.tier.id : matcher.classify(g.target.path)?.tier.id;
    const ended = await endGrantWith(deps, g, 'expire', tier, async (current) => {
      const { recorded, notRecorded } = await recordGrantChanges(root, recorder, current, covered, io.env);
      for (const c of recorded) say(`recorded ${c.record.event} ${c.rel} under the grant that reached its time limit`);
      for (const n of notRecorded) say(notRecordedLine(n, false));
    });
    if (ended) say(`${g.target.kind === 'component' ? g.target.name : g.target.path}: the unlock reached its time limit and is locked again`);
  }, (err) => io.stderr(`protected-files: could not end an expired grant: ${String(err)}\n`));

  const becomeGuard = async (): Promise<void> => {
    engine.active = true;
    watchAll();
    expiry.start();
    say(`watching ${files.size} protected file(s) in ${engine.watchedDirs} folder(s) of ${root}${engine.unwatchedDirs ? `; ${engine.unwatchedDirs} folder(s) cannot be watched (the system's limit: see below)` : ''} (Ctrl+C to stop)`);
    const found = await engine.scanAtStart(files.keys());
    say(found.length === 0 ? 'checked at start: every protected file holds its approved content'
      : `checked at start: ${found.length} breach(es) made while nothing was watching`);
  };
  // Ctrl+C is taken from before the first line a caller can act on: a SIGINT that comes while no
  // listener is installed ends the process at once, the lease still held.
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void control.stop?.then(stop);
  });
  lease.whenContested((h) => io.stderr(`protected-files: the guard lease of ${root} now names ${h.who} (pid ${h.pid}): its file was deleted and taken by another guard, or forged. This process keeps guarding; if ${h.who} is a guard too, each breach is recorded twice until one of them stops.\n`));
  try {
    if (await lease.tryAcquire()) {
      await becomeGuard();
    } else {
      engine.active = false;
      const h = await lease.holder();
      say(`standing by: ${h ? `${h.who} (pid ${h.pid})` : 'another guard'} is guarding ${root}; taking over if it stops (Ctrl+C to stop)`);
      lease.standBy(() => {
        say('the other guard stopped: this process is the guard now');
        void becomeGuard().catch((err) => io.stderr(`protected-files: ${String(err)}\n`));
      });
    }
  } catch (err) {
    stop(); // no listener left behind by a start that failed
    throw err;
  }

  // Until Ctrl+C (or the caller's stop): a timer keeps a standing-by process alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await stopped;
  clearInterval(keepAlive);
  expiry.dispose();
  manifestWatcher?.close();
  await engine.settled().catch(() => undefined);
  engine.dispose();
  await lease.release();
  say('stopped');
  return EXIT_OK;
}

/** The manifest's bytes on disk, or undefined (gone, or not a regular file: never waited on). */
function readManifestBytes(root: string): Buffer | undefined {
  return readRegularFileSync(join(root, ...MANIFEST_PATH.split('/')));
}

/** The work tree's manifest bytes, or undefined when there is none; throws what readWorkTreeManifest throws (a pipe in its place). */
function readWorkTreeManifestBytes(root: string): Buffer | undefined {
  try {
    return readRegularFileStrictSync(join(root, ...MANIFEST_PATH.split('/')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** One timer for the next grant expiry of the folder (re-read whenever it fires or the store changes). */
class ExpiryTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private watcher: { dispose(): void } | undefined;
  private disposed = false;

  constructor(private readonly store: GrantStore, private readonly end: (g: Grant) => Promise<void>, private readonly onError: (err: unknown) => void) {}

  start(): void {
    void this.store.watch(() => this.schedule()).then((w) => {
      if (this.disposed) w.dispose();
      else this.watcher = w;
    }, () => undefined);
    this.schedule();
  }

  private schedule(): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    const grants = this.store.readSync().grants;
    if (grants.length === 0) return;
    const next = Math.min(...grants.map((g) => g.expiresAt));
    this.timer = setTimeout(() => void this.fire(), Math.min(Math.max(next - Date.now(), 0) + 50, 2 ** 31 - 1));
  }

  private async fire(): Promise<void> {
    const now = Date.now();
    let failed = false;
    for (const g of this.store.readSync().grants.filter((x) => x.expiresAt <= now)) {
      await this.end(g).catch((err) => { failed = true; this.onError(err); });
    }
    // A grant that could not be ended is tried again later, not in a tight loop.
    if (failed) this.timer = setTimeout(() => this.schedule(), 5000);
    else this.schedule();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.dispose();
  }
}
