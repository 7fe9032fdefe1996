#!/usr/bin/env bash
# Run by scripts/run-extension-host.sh in the integration workspace after `git init`, before
# VS Code starts: changes made "while nothing was watching", which the extension must find at
# start (test/integration/startCheck.test.ts). Its own files, so no other suite sees a difference.
set -euo pipefail
printf 'export const startCheck = 1;\n' > src/booking/startCheck.ts            # BOOKING_FLOW, tier1 (restore)
printf 'create table start_check (id int);\n' > supabase/migrations/000_start_check.sql  # MIGRATIONS, tier2 (warn)
git add src/booking/startCheck.ts supabase/migrations/000_start_check.sql
git commit -q -m "Files for the check at start"
printf '// written while VS Code was closed\n' >> src/booking/startCheck.ts
printf 'drop table start_check;\n' >> supabase/migrations/000_start_check.sql
# A manifest that protects nothing, written while VS Code was closed: not approved (not HEAD's, not
# recorded, no unlock), so the window puts the committed one in force, finds the two changes above
# under it, and restores this one (test/integration/startCheck.test.ts).
printf '{ "tiers": { "lax": { "label": "lax", "unlock": { "requireCode": false }, "onBreach": "warn" } },\n  "components": { "NOTHING": { "tier": "lax", "files": ["nothing/**"] } } }\n' > .protection/manifest.jsonc
