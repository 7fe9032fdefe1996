// The grants a command-line reader honours: those whose certificate holds under the work tree's
// manifest, or, where one does not, under the manifest committed at HEAD (a grant made before the
// manifest gained its first signing code). Git runs only in that second case.
import { certifiedState } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { MANIFEST_PATH, parseManifest } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import type { Classification } from '../core/matcher';
import { runGit } from './gitChanges';

export async function committedManifest(root: string, env: NodeJS.ProcessEnv): Promise<Manifest | undefined> {
  const r = await runGit(['show', `HEAD:./${MANIFEST_PATH}`], root, env).catch(() => undefined);
  return r?.code === 0 ? parseManifest(r.stdout.toString('utf8')).manifest : undefined;
}

export async function certifiedGrants(
  state: GrantState, root: string, manifest: Manifest | undefined, classifyFile: (path: string) => Classification | undefined, env: NodeJS.ProcessEnv,
): Promise<GrantState> {
  const inForce = certifiedState(state, [manifest], classifyFile);
  if (inForce.grants.length === state.grants.length) return inForce;
  return certifiedState(state, [manifest, await committedManifest(root, env)], classifyFile);
}
