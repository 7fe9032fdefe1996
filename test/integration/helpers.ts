// Helpers shared by the integration suites (they run inside the real extension host).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { AuditRecord } from '../../src/core/audit';
import { parseAuditLog, verifyChain } from '../../src/core/audit';
import { entryOwner, makeCodeKey, matchCode } from '../../src/core/codes';
import type { CodeMatch } from '../../src/core/codes';
import type { Classification } from '../../src/core/matcher';
import { acceptedCodeHashes } from '../../src/core/policy';
import type { UnlockTarget } from '../../src/core/unlocks';
import { setComponentCodeEdit } from '../../src/core/manifest';
import type { FolderProtection } from '../../src/vscode/folderProtection';

export const EXTENSION_ID = 'protected-files.protected-files';

export async function api(): Promise<TestApi> {
  const ext = vscode.extensions.getExtension<TestApi | undefined>(EXTENSION_ID);
  assert.ok(ext, 'extension not found');
  const exports = await ext.activate();
  assert.ok(exports, 'the extension returns its test API only in test mode: was it started by the test runner?');
  // The check at start runs in the background after activation: let it finish (and its records land)
  // before a suite counts records. (In Restricted Mode there is no breach guard until the folder is trusted.)
  if (vscode.workspace.isTrusted) {
    await exports.breach.checkedAtStart();
    await exports.breach.settled();
  }
  return exports;
}

export function folderPath(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'no workspace folder');
  return f.uri.fsPath;
}

export function fileUri(rel: string): vscode.Uri {
  return vscode.Uri.file(path.join(folderPath(), rel));
}

export function readDisk(rel: string): string {
  return fs.readFileSync(path.join(folderPath(), rel), 'utf8');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export function auditRecords(): AuditRecord[] {
  const p = path.join(folderPath(), '.protection', 'audit.jsonl');
  if (!fs.existsSync(p)) return [];
  const { records, problems } = parseAuditLog(fs.readFileSync(p, 'utf8'));
  assert.deepEqual(problems, [], 'the audit log has unreadable lines');
  const chain = verifyChain(records);
  assert.ok(chain.ok, `audit chain broken: ${JSON.stringify(chain)}`);
  return records;
}

export function auditText(): string {
  const p = path.join(folderPath(), '.protection', 'audit.jsonl');
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '';
}

export function mainFolder(a: TestApi): FolderProtection {
  const f = a.service.all()[0];
  assert.ok(f, 'no folder protection');
  return f;
}

/**
 * Runs `fn` with the manifest unlocked, as an owner would: a write to the locked manifest from
 * outside the editor is a breach and would be rolled back. Relocking records the change.
 */
export async function withManifestUnlocked<T>(a: TestApi, fn: () => Promise<T>): Promise<T> {
  const folder = mainFolder(a);
  const state = a.service.resolve(fileUri('.protection/manifest.jsonc'));
  assert.ok(state, 'the manifest is protected');
  const wasLocked = state.locked;
  if (wasLocked) await unlockAsOwner(a, folder, state.target, state.classification, 'test: rewrite the manifest');
  try {
    return await fn();
  } finally {
    if (wasLocked) await a.unlocks.relock(folder, state.target, 'relock');
    await a.breach.settled();
  }
}

/** Writes the manifest on disk (unlocked) and reloads it, as a save from outside would (the watcher also fires). */
export async function writeManifest(a: TestApi, text: string): Promise<void> {
  await withManifestUnlocked(a, async () => {
    fs.writeFileSync(path.join(folderPath(), '.protection', 'manifest.jsonc'), text);
    await mainFolder(a).reload();
  });
}

export function manifestText(): string {
  return readDisk('.protection/manifest.jsonc');
}

/** The codes this test file put into the manifest (setCode): what an owner would type. */
const knownCodes = new Set<string>();

/**
 * Unlocks as the owners would, with the codes setCode put in the manifest where the file's tier
 * needs them (so the grant is signed and every reader honours it), else with a reason only.
 */
export async function unlockAsOwner(a: TestApi, folder: FolderProtection, target: UnlockTarget, c: Classification, reason: string): Promise<void> {
  const matches: CodeMatch[] = [];
  const owners = new Set<string>();
  for (const entry of acceptedCodeHashes(folder.manifest, c)) {
    for (const code of knownCodes) {
      const m = await matchCode(code, entry);
      if (m && !owners.has(entryOwner(m.entry))) {
        owners.add(entryOwner(m.entry));
        matches.push(m);
      }
    }
  }
  await a.unlocks.unlock(folder, target, c.tier, reason, matches);
}

/** Puts a code's hash into a component of the manifest on disk. */
export async function setCode(a: TestApi, component: string, code: string): Promise<void> {
  knownCodes.add(code);
  const text = manifestText();
  const hash = await makeCodeKey(code, { params: { N: 1024 } });
  let out = text;
  for (const e of setComponentCodeEdit(text, component, [hash]).sort((x, y) => y.offset - x.offset)) {
    out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  }
  await writeManifest(a, out);
  assert.deepEqual(mainFolder(a).manifest?.components.find((c) => c.name === component)?.unlockCodes, [hash]);
}

/** Opens a file in the active editor and waits until its read-only state is applied. */
export async function show(a: TestApi, rel: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(fileUri(rel));
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  await waitFor(`${rel} active`, () => vscode.window.activeTextEditor?.document.uri.toString() === doc.uri.toString());
  await sleep(50);
  await a.readOnly.settled();
  return editor;
}

/** Types as a user would, through the editor's `type` command. */
export async function typeText(text: string): Promise<void> {
  await vscode.commands.executeCommand('cursorTop');
  await vscode.commands.executeCommand('type', { text });
}

/** Closes every editor, reverting unsaved ones first so no save prompt blocks the run. */
export async function closeAll(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments.filter((d) => d.isDirty)) {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** After a test: scripted prompts off, every grant relocked, wrong codes and lockouts cleared (they live in the shared grant store), editors closed. */
export async function resetGrants(a: TestApi): Promise<void> {
  a.setPrompter(undefined);
  for (const f of a.service.all()) {
    for (const g of f.registry.all()) await a.unlocks.relock(f, g.target, 'relock');
    await f.grants.update((s) => { s.failures = {}; s.lockouts = {}; });
    await f.syncGrants();
  }
  await closeAll();
}
