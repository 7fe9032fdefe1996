// The manifest that "Create Manifest" writes: valid as it stands, every field explained in one
// line, and its one example component protects a placeholder folder, so creating it changes nothing
// until the user points it at real files. No "$schema" key: the extension registers the schema for
// `.protection/manifest.jsonc` through `jsonValidation`.

/** Text of a new `.protection/manifest.jsonc`; parses without problems. */
export const STARTER_MANIFEST = `// Protected Files manifest: which files are protected, how strictly, and how they are unlocked.
// Globs are relative to this workspace folder, use "/" and match dotfiles ("src/**", "db/*.sql").
// Everything under .protection/ is always protected at the strictest tier.
{
  // Tiers, most strict first.
  "tiers": {
    "tier1": {
      "label": "Tier 1 · Revenue critical", // shown in the banner, tooltips and prompts
      "badge": "T1",                        // one or two characters, shown in the explorer
      "color": "red",                       // red, orange, yellow, green, blue, purple or gray
      "unlock": {
        "requireCode": true,                // an unlock code is needed (set one with "Set Unlock Code…")
        "approvals": 1,                     // 2 = codes from two different owners
        "minReasonLength": 15,              // the written reason needs at least this many characters
        "maxMinutes": 30                    // the unlock ends at the next save or after this long
      },
      "onBreach": "restore"                 // a change made outside the editor is rolled back
    },
    "tier2": {
      "label": "Tier 2 · Infrastructure",
      "badge": "T2",
      "color": "yellow",
      "unlock": {
        "requireCode": false,               // a written reason is enough
        "minReasonLength": 10
      },
      "onBreach": "warn"                    // a change made outside the editor is recorded, not rolled back
    }
  },

  // Components: named groups of files, each in one tier.
  "components": {
    "EXAMPLE": {
      "tier": "tier2",
      "files": ["CHANGE-ME/**"],            // replace with your globs, e.g. "src/payments/**", "db/migrations/*.sql"
      "risk": "What breaks if these files change.",
      "impact": "What it costs, e.g. $10,000+/day.",
      "owners": [],                         // who may approve an unlock, e.g. "ops@example.com"
      "unlockCodes": []                     // hashes written by "Set Unlock Code…"; never type a code here
    }
  },

  // Shell commands that agents and hooks must not run unasked.
  "guardedCommands": [],                    // e.g. { "pattern": "db reset --linked", "message": "Wipes production data." }

  // Branches (names or globs) that the pre-push hook refuses pushes to.
  "protectedBranches": ["main"]             // or { "branch": "main", "message": "Production deploys from main: open a pull request." }
}
`;
