/** Read-only documents for the two sides of a recorded change: `protected-files-audit:/<file>?<query>`. */
export const AUDIT_DIFF_SCHEME = 'protected-files-audit';

/** The Audit Log view's id in package.json. */
export const AUDIT_LOG_VIEW = 'protectedFiles.auditLog';
