// The `protected-files` command-line tool (git hooks, CI gate, agent hooks): filled in by the enforcement work.
process.stderr.write('protected-files: no commands yet\n');
process.exitCode = 2;
