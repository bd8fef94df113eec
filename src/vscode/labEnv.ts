import * as vscode from 'vscode';
import type { LabEnv } from '../core/lab/look.js';
import { LabPreflightError } from '../core/lab/session.js';
import { SessionLocked } from '../core/lab/records/store.js';
import { ConfigUnreadable } from '../core/read.js';
import { UnknownProfile } from '../core/lab/look.js';
import type { RestoreReport } from '../core/lab/borrow.js';
import type { Ctx } from './ctx.js';
import { readSettings } from './settings.js';

/**
 * What the lab's core workflows read the world from, as the editor gives it: the located config, the
 * machine-scoped executable and opt-ins, the user's profiles, the LM Studio token from SecretStorage.
 * Undefined (and said) when there is no openclaw.json.
 */
export async function editorLabEnv(ctx: Ctx, needs: string): Promise<LabEnv | undefined> {
  const located = ctx.state.located;
  if (!located?.exists) {
    void vscode.window.showErrorMessage(`No openclaw.json: ${needs}.`);
    return undefined;
  }
  const s = readSettings();
  // Said at once, naming the entry and field: a proxy that silently vanished would make its arm look "not declared".
  if (s.labProxiesError) void vscode.window.showWarningMessage(`The lab's proxies were not read: ${s.labProxiesError}. The lab runs direct until the setting is fixed.`);
  return {
    configPath: located.path,
    openclaw: s.openclawExecutable,
    lmStudioToken: await ctx.lmStudioToken(),
    inspectTimeoutMs: s.inspectTimeout,
    userProfiles: () => readSettings().profiles,
    allowHosted: s.labAllowHosted,
    wire: s.labWire,
    sampleMs: s.labSampleMs,
    wireBodies: s.labWireBodies,
    proxies: s.labProxies,
  };
}

/** A lab workflow's failure in one sentence: our own errors as they are, anything else prefixed with what failed. */
export function labFailure(what: string, err: unknown): string {
  const known = err instanceof LabPreflightError || err instanceof SessionLocked || err instanceof ConfigUnreadable || err instanceof UnknownProfile;
  return known ? (err as Error).message : `${what} failed: ${(err as Error).message}`;
}

/** Tells how the borrowed state came back: a status-bar line when it did, a warning with Restore Backup… when not. */
export function sayRestored(ctx: Ctx, what: string, restore: RestoreReport | undefined, profileBefore: string | null | undefined): void {
  if (!restore) return;
  for (const st of restore.steps) ctx.log.info(`${what} restore: ${st}`);
  if (restore.ok) void vscode.window.setStatusBarMessage(`$(check) ${what} done: ${profileBefore ? `profile ${profileBefore}` : 'the state from before'} is back in force`, 8000);
  else void vscode.window.showWarningMessage(`The state from before ${what.toLowerCase()} was not restored: ${restore.error}`, 'Restore Backup…').then((p) => p && vscode.commands.executeCommand('localAiLab.restoreBackup'));
}
