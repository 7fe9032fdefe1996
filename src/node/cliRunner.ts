// Runs this package's own command-line tool (dist/cli.js) in a child process, for the editor commands
// that do what a CLI command already does (Install Git Hooks), so there is one implementation.
import { execFile } from 'node:child_process';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `node <cliPath> <args…>` in `cwd`, with the Node that runs us (in an Electron extension host,
 * ELECTRON_RUN_AS_NODE makes it plain Node). Never rejects: a failure to start is code -1.
 */
export function runCli(cliPath: string, args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], {
      cwd, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === -1 ? err.message : '') });
    });
  });
}
