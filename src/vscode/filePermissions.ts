import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { isExtensionWritten } from '../core/policy';
import { Config } from './config';
import { Disposable } from './lifecycle';
import { log } from './logger';
import type { ProtectionService } from './protectionService';

const STATE_KEY = 'protectedFiles.removedWriteBits';

/**
 * Optional on-disk read-only (`protectedFiles.enforceFilePermissions`): while a file is locked its
 * write permission bits are removed, so tools that respect permissions fail early; they come back on
 * unlock, when the setting is turned off and when the extension stops. A process running as root
 * ignores permissions: the breach watcher and the commit gate are the real defence.
 */
export class FilePermissions extends Disposable {
  /** fsPath → the mode before we removed its write bits. Persisted so a crash cannot strand it. */
  private readonly original: Map<string, number>;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly service: ProtectionService, private readonly state: vscode.Memento) {
    super();
    this.original = new Map(Object.entries(state.get<Record<string, number>>(STATE_KEY, {})));
    this.register(service.onDidChange(() => this.schedule()));
    this.register(service.onDidChangeManifest(() => this.schedule()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => Config.affects(e, 'enforceFilePermissions') && this.schedule()));
  }

  schedule(): Promise<void> {
    this.queue = this.queue.then(() => this.apply()).catch((err) => log.error(`[permissions] ${String(err)}`));
    return this.queue;
  }

  /** Gives every file its write bits back (deactivation). */
  async releaseAll(): Promise<void> {
    await this.queue;
    for (const [path, mode] of this.original) await this.restore(path, mode);
    await this.persist();
  }

  private async apply(): Promise<void> {
    const enabled = Config.get('enforceFilePermissions');
    const wanted = new Set<string>();
    if (enabled) {
      for (const folder of this.service.all()) {
        for (const rel of folder.files.keys()) {
          if (isExtensionWritten(rel)) continue;
          const uri = folder.uriOf(rel);
          const f = this.service.resolve(uri);
          if (f?.locked) wanted.add(uri.fsPath);
        }
      }
    }
    for (const [path, mode] of [...this.original]) if (!wanted.has(path)) await this.restore(path, mode);
    for (const path of wanted) {
      if (this.original.has(path)) continue;
      try {
        const mode = (await fs.stat(path)).mode & 0o7777;
        if ((mode & 0o222) === 0) continue; // read-only already: not ours to give back
        await fs.chmod(path, mode & ~0o222);
        this.original.set(path, mode);
      } catch (err) {
        log.warn(`[permissions] ${path}: ${String(err)}`);
      }
    }
    await this.persist();
  }

  private async restore(path: string, mode: number): Promise<void> {
    try {
      const current = (await fs.stat(path)).mode & 0o7777;
      // Only the write bits we took; anything else the user changed since stays.
      await fs.chmod(path, current | (mode & 0o222));
    } catch {
      // gone: nothing to give back
    }
    this.original.delete(path);
  }

  private persist(): Thenable<void> {
    return this.state.update(STATE_KEY, Object.fromEntries(this.original));
  }
}
