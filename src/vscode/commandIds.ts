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
