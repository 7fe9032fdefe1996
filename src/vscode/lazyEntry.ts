// Everything in dist/lazy.js (scripts/build.mjs bundles this file as its entry): what is loaded on
// first use through lazyChunk.ts, not at activation. Protection in force (manifests, grants, read-only
// editors, the edit and breach guards with their restore path, recording on save) never waits on it.
// Its modules get their own copies of what they import: nothing here may keep state that the
// activation bundle must see (the output channel is handed over by adoptLog).
export { setUpFromManifest, showDetails } from './lazyCommands';
export { openAuditLog, openManifest } from './manifestCommands';
export { importProtocolDocument } from './importCommand';
export { AuditLogView } from './auditLogView';
export { ProtectedFilesView } from './protectedFilesView';
export { UnlockFlow } from './unlockFlow';
export { SetCodeFlow } from './setCodeFlow';
export { WorkbenchPrompter } from './prompter';
export { denyUnlock, grantUnlock, spentOneTimeKeys } from '../node/unlocking';
export { showBreach, showBreaches } from './breachNotices';
export { installGitHooks } from './gitHooksCommand';
export { reportGuardedCommand } from './terminalCheck';
export { createManifest } from './createManifest';
export { adoptLog } from './logger';
