// Where protection lives in a workspace folder. A leaf module (no imports), so that code which only
// needs the names, such as the command line's dispatcher, does not load the manifest parser with them.

/** The folder of the manifest, the audit log and their backups, at a workspace folder's root. */
export const PROTECTION_DIR = '.protection';
/** The manifest, relative to the workspace folder. */
export const MANIFEST_PATH = '.protection/manifest.jsonc';
/** The audit log, relative to the workspace folder. */
export const AUDIT_LOG_PATH = '.protection/audit.jsonl';
