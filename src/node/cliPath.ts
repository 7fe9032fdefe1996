// Where the VS Code extension's bundled CLI is, recorded per clone so the agents' hook launcher
// (.protection/hooks/guard.sh) finds a CLI in a repository where nothing was installed:
// `<git dir>/protected-files/cli-path`, two lines: the Node to run it with, and dist/cli.js.
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CLI_PATH_FILE } from '../core/agentHooks';
import { atomicWriteFile } from './atomicWrite';
import { findGitDir } from './grantStore';
import { readRegularFile } from './regularFile';

/**
 * Records `node` and `cli` for the clone that holds `folderPath` (outside git: nothing), only when
 * both exist and only when the record changes. Returns the file written, or undefined.
 */
export async function recordCliPath(folderPath: string, node: string, cli: string): Promise<string | undefined> {
  const git = findGitDir(folderPath);
  if (!git || !existsSync(node) || !existsSync(cli)) return undefined;
  const dir = join(git.gitDir, 'protected-files');
  const file = join(dir, CLI_PATH_FILE);
  const text = `${node}\n${cli}\n`;
  const current = (await readRegularFile(file))?.toString('utf8');
  if (current === text) return undefined;
  await fs.mkdir(dir, { recursive: true });
  await atomicWriteFile(file, text);
  return file;
}
