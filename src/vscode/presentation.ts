import * as vscode from 'vscode';
import type { Tier } from '../core/manifest';
import { formatRemaining } from '../core/policy';
import { targetLabel } from '../core/unlocks';
import { Commands } from './commandIds';
import type { ProtectedFile } from './protectionService';

// Shared wording for the badge tooltip, the banner, the status bar and the hovers, so they never disagree.

/** The contributed theme color of a tier (`protectedFiles.tier.red` …). */
export function tierColor(tier: Tier): vscode.ThemeColor {
  return new vscode.ThemeColor(`protectedFiles.tier.${tier.color}`);
}

export const UNLOCKED_COLOR_ID = 'protectedFiles.unlocked';

/** `Tier 1 · Revenue critical · BOOKING_FLOW` */
export function headline(f: ProtectedFile): string {
  return `${f.classification.tier.label} · ${targetLabel(f.target)}`;
}

/** `T1 locked` / `T1 unlocked · 12 min` */
export function shortState(f: ProtectedFile, now: number): string {
  const badge = f.classification.tier.badge;
  return f.grant ? `${badge} unlocked · ${formatRemaining(f.grant.expiresAt - now)}` : `${badge} locked`;
}

/** One line for tooltips: tier, component, risk. */
export function oneLine(f: ProtectedFile, now: number): string {
  const risk = f.classification.component?.risk;
  const state = f.grant ? `Unlocked (${formatRemaining(f.grant.expiresAt - now)} left)` : 'Locked';
  return `${state} · ${headline(f)}${risk ? ` — ${risk}` : ''}`;
}

/** How to unlock, in the tier's own terms. */
export function howToUnlock(f: ProtectedFile): string {
  const u = f.classification.tier.unlock;
  const code = u.requireCode ? (u.approvals === 2 ? 'two unlock codes from two different owners' : 'an unlock code from an owner') : 'no code';
  return `Run **Protected Files: Unlock…**: it needs ${code} and a reason of at least ${u.minReasonLength} characters, and lasts until the next save or ${u.maxMinutes} min.`;
}

/** The Markdown hover shared by the banner and the status bar. */
export function detailsMarkdown(f: ProtectedFile, now: number): vscode.MarkdownString {
  const c = f.classification.component;
  const md = new vscode.MarkdownString(undefined, true);
  md.supportThemeIcons = true;
  md.appendMarkdown(`**${f.grant ? '$(unlock) Unlocked' : '$(lock) Locked'}** · ${escape(f.classification.tier.label)}`);
  md.appendMarkdown(c ? ` · \`${escape(c.name)}\`\n\n` : ` · \`${escape(f.relPath)}\`\n\n`);
  if (c?.risk) md.appendMarkdown(`**Risk:** ${escape(c.risk)}\n\n`);
  if (c?.impact) md.appendMarkdown(`**Impact:** ${escape(c.impact)}\n\n`);
  if (c && c.owners.length) md.appendMarkdown(`**Owners:** ${c.owners.map(escape).join(', ')}\n\n`);
  if (!c) md.appendMarkdown('The protection manifest and audit log protect themselves at the strictest tier.\n\n');
  if (f.grant) {
    md.appendMarkdown(`**Unlocked for:** ${escape(f.grant.reason)} (${formatRemaining(f.grant.expiresAt - now)} left). Saving relocks it.\n\n`);
    md.appendMarkdown(`[Relock now](command:${Commands.relock})`);
  } else {
    md.appendMarkdown(`${howToUnlock(f)}\n\n[Unlock…](command:${Commands.unlock})`);
  }
  md.isTrusted = { enabledCommands: [Commands.unlock, Commands.relock] };
  return md;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (ch) => `\\${ch}`);
}
