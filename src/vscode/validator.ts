import * as vscode from 'vscode';
import { validateConfig } from '../core/openclaw/cli.js';
import type { ValidatorVerdict } from './configState.js';
import { validatorOptions, type Settings } from './options.js';

/** The file to judge and the disk bytes (hash) it holds; undefined when there is nothing OpenClaw could judge. */
export type ValidationTarget = { readonly file: string; readonly hash?: string } | undefined;

/**
 * OpenClaw's own validator (`openclaw config validate --json`), run after a save or a change on disk: one
 * run at a time, a newer request cancelling the older, each verdict tagged with the bytes it judged.
 */
export class ValidatorScheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private running: vscode.CancellationTokenSource | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** Read when the run starts, not when it is scheduled: the file may change during the delay. */
    private readonly target: () => ValidationTarget,
    private readonly onVerdict: (v: ValidatorVerdict) => void,
  ) {}

  /** Runs the validator after `delayMs`; false (nothing scheduled) when it is off or there is no file or no OpenClaw. */
  schedule(settings: Settings, installed: boolean, delayMs: number): boolean {
    clearTimeout(this.timer);
    this.running?.cancel();
    if (!settings.validate || !installed || !this.target()) return false;
    this.timer = setTimeout(() => void this.run(settings), delayMs);
    return true;
  }

  private async run(settings: Settings): Promise<void> {
    const t = this.target();
    if (!t) return;
    const cts = new vscode.CancellationTokenSource();
    this.running = cts;
    const abort = new AbortController();
    cts.token.onCancellationRequested(() => abort.abort());
    const t0 = Date.now();
    let verdict: ValidatorVerdict;
    try {
      // A busy indicator in the status bar while the kept issues are marked as being checked again.
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'OpenClaw: checking openclaw.json' }, () =>
        validateConfig(settings.openclawExecutable, t.file, { ...validatorOptions(settings), signal: abort.signal }),
      );
      if (cts.token.isCancellationRequested) return;
      verdict = { validation: result, validatedHash: t.hash, validationError: undefined };
      this.log.info(`openclaw config validate: ${result.valid ? 'valid' : `${result.issues.length} issue(s)`} in ${Date.now() - t0} ms`);
    } catch (err) {
      if (cts.token.isCancellationRequested) return;
      // The last judged bytes stay named: the issues shown are still gated by them.
      verdict = { validation: undefined, validationError: (err as Error).message };
      this.log.warn(`openclaw config validate: ${(err as Error).message}`);
    } finally {
      cts.dispose();
      if (this.running === cts) this.running = undefined;
    }
    this.onVerdict(verdict);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.running?.cancel();
    this.running?.dispose();
  }
}
