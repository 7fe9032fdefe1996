// The grants a command-line reader honours: those whose certificate holds under the work tree's
// manifest, or, where one does not, under the manifest committed at HEAD (a grant made before the
// manifest gained its first signing code). Git runs only in that second case.
import { certifiedState } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { MANIFEST_PATH, parseManifest } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import type { Classification } from '../core/matcher';
import { manifestText } from '../core/manifestText';
import { runGit } from './gitChanges';

export async function committedManifest(root: string, env: NodeJS.ProcessEnv): Promise<Manifest | undefined> {
  const r = await runGit(['show', `HEAD:./${MANIFEST_PATH}`], root, env).catch(() => undefined);
  return r?.code === 0 ? certifyingManifest(r.stdout) : undefined;
}

/**
 * HEAD's manifest bytes read as every reader of the manifest reads them (manifestText: a byte order
 * mark dropped, as the editor drops it), for a caller that has read them from git already.
 */
export function certifyingManifest(content: Buffer): Manifest | undefined {
  return parseManifest(manifestText(content)).manifest;
}

/**
 * `committed`: HEAD's manifest, where the caller has it (read once for all it judges); by default
 * committedManifest, read only when some grant needs it.
 */
export async function certifiedGrants(
  state: GrantState, root: string, manifest: Manifest | undefined, classifyFile: (path: string) => Classification | undefined, env: NodeJS.ProcessEnv,
  committed: () => Promise<Manifest | undefined> = () => committedManifest(root, env),
): Promise<GrantState> {
  const inForce = certifiedState(state, [manifest], classifyFile);
  if (inForce.grants.length === state.grants.length) return inForce;
  return certifiedState(state, [manifest, await committed()], classifyFile);
}
