// `protected-files log`: the audit log of the work tree, one record a line, filtered; or, with
// --verify, whether its chain holds.
import { join } from 'node:path';
import { describeRecord, parseAuditLog, verifyChain } from '../core/audit';
import type { AuditRecord } from '../core/audit';
import { AUDIT_LOG_PATH } from '../node/auditStore';
import { findRepository } from '../node/gitChanges';
import { CliError, EXIT_FAIL, EXIT_OK, parseCommandArgs, findWorkspaceRoot } from './io';
import type { CliIo } from './io';
import { readRegularText } from '../node/regularFile';

export const LOG_HELP = `Usage: protected-files log [--verify] [--since <ISO date>] [--component <NAME>] [--json]

Prints the records of ${AUDIT_LOG_PATH} (the work tree's copy), oldest first, one a line.

  --since <date>      only records at or after this time (2026-11-01, 2026-11-01T09:00Z)
  --component <NAME>  only records of this component
  --json              one JSON record a line, as stored
  --verify            check the hash chain of the whole log: prints "chain OK: N records"
                      or where it breaks, and exits 1 on a break (the chain shows no record
                      was changed or removed; owners' signatures are judged by verify)

Exit codes: 0 printed (or the chain holds), 1 the chain is broken, 2 usage error or no log.
`;

export async function runLog(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('log', args, {
    options: {
      verify: { type: 'boolean' },
      since: { type: 'string' },
      component: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(LOG_HELP);
    return EXIT_OK;
  }
  let since: number | undefined;
  if (values.since !== undefined) {
    since = Date.parse(values.since);
    if (!/^\d{4}-\d{2}-\d{2}/.test(values.since) || Number.isNaN(since)) {
      throw new CliError(`--since needs an ISO date such as 2026-11-01 or 2026-11-01T09:00:00Z, not "${values.since}".`, 'See protected-files log --help.');
    }
  }

  const root = findWorkspaceRoot(io.cwd) ?? (await findRepository(io.cwd, io.env)).root;
  const text = await readRegularText(join(root, ...AUDIT_LOG_PATH.split('/')));
  if (text === undefined) {
    if (values.verify) {
      io.stdout('chain OK: 0 records (no audit log yet)\n');
      return EXIT_OK;
    }
    throw new CliError(`There is no audit log yet (${AUDIT_LOG_PATH} in ${root}).`, 'Records are written when a protected file is unlocked and changed in VS Code.');
  }
  const { records, problems } = parseAuditLog(text);

  if (values.verify) {
    let failed = false;
    for (const p of problems) {
      io.stdout(`${AUDIT_LOG_PATH}: ${p.message}\n`);
      failed = true;
    }
    const chain = verifyChain(records);
    if (chain.ok) {
      io.stdout(`chain OK: ${records.length} records${failed ? ', but some lines are not records (above)' : ''}\n`);
    } else {
      io.stdout(`chain BROKEN at record ${chain.index + 1} of ${records.length}: ${chain.message}\n`);
      failed = true;
    }
    return failed ? EXIT_FAIL : EXIT_OK;
  }

  const selected = records.filter((r) => keep(r, since, values.component));
  for (const r of selected) io.stdout(`${values.json ? JSON.stringify(r) : describeRecord(r)}\n`);
  for (const p of problems) io.stderr(`protected-files: ${AUDIT_LOG_PATH}: ${p.message}\n`);
  return EXIT_OK;
}

function keep(r: AuditRecord, since: number | undefined, component: string | undefined): boolean {
  if (component !== undefined && r.component !== component) return false;
  if (since !== undefined) {
    const at = Date.parse(r.at);
    if (Number.isNaN(at) || at < since) return false;
  }
  return true;
}
