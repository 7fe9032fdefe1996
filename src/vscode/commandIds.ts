/** Every command the extension contributes; package.json lists the same IDs. */
export const Commands = {
  unlock: 'protectedFiles.unlock',
  relock: 'protectedFiles.relock',
  toggleLock: 'protectedFiles.toggleLock',
  setUnlockCode: 'protectedFiles.setUnlockCode',
  setUpAgentGuards: 'protectedFiles.setUpAgentGuards',
  setUpTeamRules: 'protectedFiles.setUpTeamRules',
  importProtocol: 'protectedFiles.importProtocol',
  createManifest: 'protectedFiles.createManifest',
  openManifest: 'protectedFiles.openManifest',
  openAuditLog: 'protectedFiles.openAuditLog',
  showLog: 'protectedFiles.showLog',
  /** Internal: the banner's info lens. */
  showDetails: 'protectedFiles.showDetails',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Commands of the two views (title bar, inline and item actions); hidden from the palette where they need a node. */
export const ViewCommands = {
  showUnlockedOnly: 'protectedFiles.view.showUnlockedOnly',
  showAll: 'protectedFiles.view.showAll',
  unlockNode: 'protectedFiles.view.unlock',
  relockNode: 'protectedFiles.view.relock',
  auditFilter: 'protectedFiles.auditLog.filter',
  auditClearFilter: 'protectedFiles.auditLog.clearFilter',
  auditExport: 'protectedFiles.auditLog.export',
  auditRefresh: 'protectedFiles.auditLog.refresh',
  auditOpenDiff: 'protectedFiles.auditLog.openDiff',
  installGitHooks: 'protectedFiles.installGitHooks',
} as const;
