import type * as vscode from 'vscode';
import type { RunOptions } from '../core/openclaw/cli.js';
import type { OpenClawVersion } from '../core/openclaw/version.js';
import { validateCached, type Verdict, type VerdictSubject } from '../core/openclaw/verdicts.js';
import { readConfigAsync } from '../core/read.js';
import type { ValidatorVerdict } from './configState.js';
import { validatorOptions, type Settings } from './options.js';

/**
 * The file to judge, the disk bytes (hash) it held at the last refresh and the installed release; undefined when
 * there is nothing OpenClaw could judge.
 */
export type ValidationTarget = { readonly file: string; readonly hash?: string; readonly version?: OpenClawVersion } | undefined;

/** How a verdict is had: OpenClaw's validator, or the verdict kept for the same bytes (core/openclaw/verdicts.ts). */
export type Validate = (executable: string, subject: VerdictSubject, opts: RunOptions) => Promise<Verdict>;

/**
 * OpenClaw's own validator (`openclaw config validate --json`), run after a save or a change on disk: one
 * run at a time, a newer request cancelling the older, each verdict tagged with the bytes it judged. A save is
 * heard twice (the editor's save and the file watcher): a request for the bytes a run is already judging leaves
 * that run alone, and a verdict already had for the same bytes, includes and release is read back, not re-run.
 */
export class ValidatorScheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private running: { readonly abort: AbortController; readonly file: string; readonly hash?: string; readonly executable: string } | undefined;

  constructor(
    private readonly log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>,
    /** Read when the run starts, not when it is scheduled: the file may change during the delay. */
    private readonly target: () => ValidationTarget,
    private readonly onVerdict: (v: ValidatorVerdict) => void,
    private readonly validate: Validate = validateCached,
    /** Shows that a run is under way (the editor: a status-bar busy indicator while kept issues are being checked again). */
    private readonly busy: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
  ) {}

  /** Runs the validator after `delayMs`; false (nothing scheduled) when it is off or there is no file or no OpenClaw. */
  schedule(settings: Settings, installed: boolean, delayMs: number): boolean {
    clearTimeout(this.timer);
    const t = this.target();
    const r = this.running;
    if (r && t && settings.validate && installed && r.file === t.file && r.hash !== undefined && r.hash === t.hash && r.executable === settings.openclawExecutable) return true;
    r?.abort.abort();
    if (!settings.validate || !installed || !t) return false;
    this.timer = setTimeout(() => void this.run(settings), delayMs);
    return true;
  }

  private async run(settings: Settings): Promise<void> {
    const t = this.target();
    if (!t?.version) return;
    const abort = new AbortController();
    const running = { abort, file: t.file, hash: t.hash, executable: settings.openclawExecutable };
    this.running = running;
    const t0 = Date.now();
    let verdict: ValidatorVerdict;
    try {
      const read = await readConfigAsync(t.file);
      if (!read) throw new Error(`${t.file} does not exist`);
      const version = t.version;
      const { result, cached } = await this.busy(() => this.validate(settings.openclawExecutable, { doc: read.doc, bytes: read.bytes, version }, { ...validatorOptions(settings), signal: abort.signal }));
      if (abort.signal.aborted) return;
      // Tagged with the bytes judged, read just now: they are what the verdict is about.
      verdict = { validation: result, validatedHash: read.hash, validationError: undefined };
      this.log.info(`openclaw config validate: ${result.valid ? 'valid' : `${result.issues.length} issue(s)`}${cached ? ' (kept verdict for the same bytes)' : ''} in ${Date.now() - t0} ms`);
    } catch (err) {
      if (abort.signal.aborted) return;
      // The last judged bytes stay named: the issues shown are still gated by them.
      verdict = { validation: undefined, validationError: (err as Error).message };
      this.log.warn(`openclaw config validate: ${(err as Error).message}`);
    } finally {
      if (this.running === running) this.running = undefined;
    }
    this.onVerdict(verdict);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.running?.abort.abort();
  }
}
