// The command-line tool's only window on the process: tests and sub-commands get this port
// instead of touching process.stdout/stdin directly.

/** What a CLI command may use of its process: where it runs, its output streams, its input. */
export interface CliIo {
  /** The directory the command was started from. */
  cwd: string;
  stdout(s: string): void;
  stderr(s: string): void;
  /** The whole of standard input (empty when it is a TTY or closed). */
  stdin(): Promise<string>;
  /** Whether standard input is an interactive terminal. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}
