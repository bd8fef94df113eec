import path from 'node:path';
import * as vscode from 'vscode';
import type { CheckInput, CheckResult } from '../core/check.js';
import type { Finding } from '../core/findings.js';
import type { Observation } from '../core/observation.js';
import { seconds, toMillis } from '../core/units.js';
import { ConfigState, type DiskCheck, type Refreshed, type RefreshOptions, type Snapshot } from './configState.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import { operation, type OperationContext, type OperationOptions } from './frame.js';
import { readSettings, type Settings } from './settings.js';
import { ValidatorScheduler } from './validator.js';
import { redactingLog } from '../core/servers/address.js';

export type { DiskCheck, RefreshOptions, Snapshot };

export const TOKEN_SECRET = 'localAiLab.lmStudioToken';
export const LANGUAGE_ID = 'openclaw-json5';

/**
 * Owns every long-lived thing of the extension; disposing it disposes them all. It composes the config state
 * (configState.ts), the diagnostics publisher and OpenClaw's validator, and wires them to the editor's events:
 * typing, saves, the file on disk, settings, focus and the servers' timer.
 */
export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly config: ConfigState;
  private readonly validator: ValidatorScheduler;
  /** Aborted when the extension stops: what an operation runs stops with it. */
  private readonly lifetime = new AbortController();
  private editTimer: NodeJS.Timeout | undefined;
  private serverTimer: NodeJS.Timeout | undefined;
  private backoff = 0;
  private disposed = false;
  /** After each refresh and each verdict of OpenClaw's validator. */
  readonly onDidChange: vscode.Event<Snapshot>;

  constructor(readonly extension: vscode.ExtensionContext) {
    // Redacted at the one sink: a provider URL with user:password@ never lands in the log.
    this.log = redactingLog(vscode.window.createOutputChannel('Local AI Lab', { log: true }));
    this.config = new ConfigState(this.log, () => this.lmStudioToken());
    const diagnostics = new DiagnosticsPublisher();
    this.validator = new ValidatorScheduler(
      this.log,
      () => {
        const s = this.config.state;
        return s.located?.exists ? { file: s.located.path, hash: s.diskHash, version: s.versionSource === 'installed' ? s.version : undefined } : undefined;
      },
      (verdict) => this.config.setValidation(verdict),
      undefined,
      // A busy indicator in the status bar while the kept issues are marked as being checked again.
      (work) => Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'OpenClaw: checking openclaw.json' }, work)),
    );
    this.onDidChange = this.config.onDidChange;
    this.disposables.push(
      this.log,
      this.config,
      diagnostics,
      this.validator,
      // First, so the Problems panel is current before anything else hears of a change.
      this.config.onDidChange((s) => diagnostics.publish(s)),
      this.config.onDidRefresh((r) => this.afterRefresh(r)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.isConfigDocument(e.document)) this.scheduleEditRecheck();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (this.isConfigDocument(d)) void this.refresh({ validate: true });
      }),
      vscode.workspace.onDidOpenTextDocument((d) => this.claimLanguage(d)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.isConfigDocument(d)) void this.refresh({});
      }),
      vscode.workspace.onDidChangeConfiguration((e) => this.onSettings(e)),
      vscode.window.onDidChangeWindowState((w) => {
        if (w.focused) this.onFocus();
        else this.stopServerTimer();
      }),
    );
  }

  /** Idempotent: VS Code disposes context.subscriptions, and nothing else should, but twice must be harmless. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.lifetime.abort();
    this.stopServerTimer();
    clearTimeout(this.editTimer);
    for (const d of this.disposables.reverse()) d.dispose();
  }

  push(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  get state(): Snapshot {
    return this.config.state;
  }

  /**
   * One user-visible wait (frame.ts): a notification with Cancel, the body's signal aborted on Cancel or when the
   * extension stops, the failure logged and said once with "Show Logs". Undefined when it failed or was cancelled.
   */
  operation<T>(title: string, body: (op: OperationContext) => Promise<T>, opts?: OperationOptions): Promise<T | undefined> {
    return operation(this.log, this.lifetime.signal, title, body, opts);
  }

  /** Looks again (single flight); resolves once the state covers `opts`. */
  refresh(opts: RefreshOptions): Promise<void> {
    return this.config.refresh(opts);
  }

  /**
   * For operations: looks again and returns the check of the bytes on disk (what a write backs up and replaces),
   * reading the file once. Throws when the file cannot be read; undefined when there is none.
   */
  refreshAndCheckDisk(opts: RefreshOptions): Promise<DiskCheck | undefined> {
    return this.config.refreshAndCheckDisk(opts);
  }

  /** The check of the bytes on disk now, with the state's servers and version (no refresh). */
  checkDisk(): Promise<DiskCheck | undefined> {
    return this.config.checkDisk();
  }

  isConfigDocument(d: vscode.TextDocument): boolean {
    return this.config.isConfigDocument(d);
  }

  /** What the pipeline needs to judge a document's current text (Fix All runs its loop on it). */
  checkInputFor(document: vscode.TextDocument): CheckInput | undefined {
    return this.config.checkInputFor(document);
  }

  /** The check of the open config's current text, once per document version (hovers and code actions ask often). */
  checkDocument(document: vscode.TextDocument): CheckResult | undefined {
    return this.config.checkDocument(document);
  }

  observationFor(document: vscode.TextDocument): Observation | undefined {
    return this.checkDocument(document)?.observation;
  }

  findingsFor(document: vscode.TextDocument): Finding[] {
    return this.checkDocument(document)?.findings ?? this.state.findings.filter((f) => f.file === path.resolve(document.uri.fsPath));
  }

  /** LM Studio's API token: SecretStorage first, then LM_API_TOKEN. Sent only to LM Studio (core/servers/secrets.ts). */
  async lmStudioToken(): Promise<string | undefined> {
    return (await this.extension.secrets.get(TOKEN_SECRET)) ?? process.env.LM_API_TOKEN;
  }

  /** What follows a refresh that found the config: its language, OpenClaw's judgement, the servers' timer. */
  private afterRefresh(r: Refreshed): void {
    if (!r.found) return;
    for (const d of vscode.workspace.textDocuments) this.claimLanguage(d);
    const s = this.state;
    if (r.opts.validate || s.validation === undefined) {
      // Nothing OpenClaw could judge now: its old verdict goes, so the panel shows none of it (kept issues are
      // shown as being checked again until a verdict replaces them, so their removal is announced).
      if (!this.validator.schedule(r.settings, s.version !== undefined, r.opts.validate ? 300 : 0)) this.config.setValidation({ validation: undefined, validatedHash: undefined, validationError: undefined }, s.validation !== undefined);
    }
    this.startServerTimer(r.settings);
  }

  /**
   * Each setting re-does only what it affects: hover settings are read per hover, rules and profiles
   * re-run the rules, executables re-check the version, server settings inspect the servers again.
   */
  private onSettings(e: vscode.ConfigurationChangeEvent): void {
    const hit = (...keys: string[]) => keys.some((k) => e.affectsConfiguration(`localAiLab.${k}`));
    if (!e.affectsConfiguration('localAiLab')) return;
    const opts: RefreshOptions = {
      recheckVersion: hit('openclaw.executable'),
      validate: hit('openclaw.executable', 'openclaw.configPath', 'openclaw.validate', 'openclaw.validateTimeoutSeconds'),
      // `runtimes` covers runtimes.refreshSeconds: the refresh restarts the timer.
      inspectServers: hit('runtimes', 'lms.executable', 'openclaw.configPath'),
    };
    if (opts.recheckVersion || opts.validate || opts.inspectServers || hit('rules', 'profiles')) void this.refresh(opts);
  }

  /**
   * OpenClaw reads JSON5; VS Code's JSON server would flag every comment and unquoted key as an error.
   * OpenClaw's own locations get our language through path patterns; a config elsewhere gets it here.
   */
  private claimLanguage(d: vscode.TextDocument): void {
    if ((d.languageId === 'json' || d.languageId === 'jsonc') && this.config.configFiles().includes(path.resolve(d.uri.fsPath)) && d.uri.scheme === 'file') {
      void vscode.languages.setTextDocumentLanguage(d, LANGUAGE_ID).then(undefined, (err: unknown) => this.log.warn(`could not set the language of ${d.uri.fsPath}`, err));
    }
  }

  /** Re-run the rules on the open document's text (no servers, no validator): follows typing closely. */
  private scheduleEditRecheck(): void {
    clearTimeout(this.editTimer);
    this.editTimer = setTimeout(() => void this.refresh({}), 250);
  }

  private onFocus(): void {
    const s = readSettings();
    const at = this.state.inspectedAt;
    if (s.refreshInterval > 0 && (!at || Date.now() - at > toMillis(s.refreshInterval))) void this.refresh({ inspectServers: true });
    this.startServerTimer(s);
  }

  /**
   * Inspect the servers every refreshSeconds while focused; while one is not answering, sooner, backing off
   * (5, 10, 20 … s, never past refreshSeconds), so a restarted server is seen again within seconds.
   */
  private startServerTimer(s: Settings): void {
    this.stopServerTimer();
    if (s.refreshInterval <= 0 || !vscode.window.state.focused) return;
    const down = [...this.state.runtimes.values()].some((r) => r.status !== 'ok' || r.stale);
    if (!down) {
      this.backoff = 0;
      this.serverTimer = setInterval(() => void this.refresh({ inspectServers: true }), toMillis(s.refreshInterval));
      return;
    }
    const delay = seconds(Math.min(s.refreshInterval, 5 * 2 ** this.backoff++));
    this.serverTimer = setTimeout(() => void this.refresh({ inspectServers: true }), toMillis(delay));
  }

  private stopServerTimer(): void {
    if (this.serverTimer) clearInterval(this.serverTimer);
    this.serverTimer = undefined;
  }
}
