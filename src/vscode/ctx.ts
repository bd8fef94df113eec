import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../core/findings.js';
import { openclawVersion, validateConfig, type ValidationResult } from '../core/openclaw/cli.js';
import { parseDocument, type ConfigDocument } from '../core/openclaw/document.js';
import { besideFindings } from '../core/openclaw/issues.js';
import { locateConfig, type LocatedConfig } from '../core/openclaw/locate.js';
import { formatVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import type { Observation, VersionSource } from '../core/observation.js';
import { check, providersOf, type CheckInput, type CheckResult } from '../core/check.js';
import { ConfigUnreadable, readConfigAsync, type ReadConfig } from '../core/read.js';
import { inspectServers, withLastKnown } from '../core/sources.js';
import { readProfileState } from '../core/profiles/state.js';
import type { ProfilesInForce } from '../core/profiles/inForce.js';
import { findLmsExecutable, lmsRunner } from '../core/servers/lmsCli.js';
import type { ServerState } from '../core/servers/types.js';
import { toDiagnostic, VALIDATOR_SOURCE, toRange } from './diagnostics.js';
import { readSettings, type Settings } from './settings.js';
import { validatorOptions } from './options.js';
import { millis, seconds, toMillis } from '../core/units.js';
import { operation, type OperationContext, type OperationOptions } from './frame.js';

export const TOKEN_SECRET = 'localAiLab.lmStudioToken';
export const LANGUAGE_ID = 'openclaw-json5';

export interface Snapshot {
  readonly located?: LocatedConfig;
  readonly doc?: ConfigDocument;
  /** sha256 of the bytes on disk when last read. */
  readonly diskHash?: string;
  readonly version?: OpenClawVersion;
  readonly versionSource: VersionSource;
  readonly runtimes: ReadonlyMap<string, ServerState>;
  readonly probedAt?: number;
  readonly findings: readonly Finding[];
  readonly validation?: ValidationResult;
  /** The disk bytes (hash) OpenClaw judged: its issues are shown only while the file on disk is still those. */
  readonly validatedHash?: string;
  readonly validationError?: string;
  readonly refreshedAt?: number;
  /** The config and every `$include`d file read with it. */
  readonly files?: readonly string[];
  /** The profiles resolved for `doc` and the one in force; computed once per refresh for the status item and the lab. */
  readonly profiles?: ProfilesInForce;
  /** The profile last applied to this config (profile.json beside it), read once per refresh. */
  readonly lastApplied?: string;
  /** The config's mtime at the last refresh. */
  readonly configChangedAt?: number;
}

export interface RefreshOptions {
  readonly probe?: boolean;
  readonly validate?: boolean;
  readonly recheckVersion?: boolean;
}

/** Owns every long-lived thing of the extension; disposing it disposes them all. */
export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];
  /** Per located config file; replaced when the location changes. */
  private watchers: vscode.Disposable[] = [];
  private readonly ours: vscode.DiagnosticCollection;
  private readonly validatorDiagnostics: vscode.DiagnosticCollection;
  private snap: Snapshot = { versionSource: 'assumed', runtimes: new Map(), findings: [] };
  private inflight: Promise<void> | undefined;
  private queued: RefreshOptions | undefined;
  private validateTimer: NodeJS.Timeout | undefined;
  private validateCts: vscode.CancellationTokenSource | undefined;
  private editTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private backoff = 0;
  private readonly changed = new vscode.EventEmitter<Snapshot>();
  readonly onDidChange = this.changed.event;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Local AI Lab', { log: true });
    this.ours = vscode.languages.createDiagnosticCollection('local-ai-lab');
    this.validatorDiagnostics = vscode.languages.createDiagnosticCollection('openclaw');
    this.disposables.push(this.log, this.ours, this.validatorDiagnostics, this.changed);
    this.disposables.push(
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
        else this.stopTimer();
      }),
    );
  }

  /**
   * Each setting re-does only what it affects: hover settings are read per hover, rules and profiles
   * re-run the rules, executables re-check the version, server settings re-probe.
   */
  private onSettings(e: vscode.ConfigurationChangeEvent): void {
    const hit = (...keys: string[]) => keys.some((k) => e.affectsConfiguration(`localAiLab.${k}`));
    if (!e.affectsConfiguration('localAiLab')) return;
    const opts: RefreshOptions = {
      recheckVersion: hit('openclaw.executable'),
      validate: hit('openclaw.executable', 'openclaw.configPath', 'openclaw.validate', 'openclaw.validateTimeoutSeconds'),
      probe: hit('runtimes', 'lms.executable', 'openclaw.configPath'),
    };
    if (opts.recheckVersion || opts.validate || opts.probe || hit('rules', 'profiles')) void this.refresh(opts);
    else if (hit('runtimes.refreshSeconds')) this.startTimer(readSettings());
  }

  get state(): Snapshot {
    return this.snap;
  }

  push(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  /** Aborted when the extension stops: what an operation runs stops with it. */
  private readonly lifetime = new AbortController();

  /**
   * One user-visible wait (frame.ts): a notification with Cancel, the body's signal aborted on Cancel or when the
   * extension stops, the failure logged and said once with "Show Logs". Undefined when it failed or was cancelled.
   */
  operation<T>(title: string, body: (op: OperationContext) => Promise<T>, opts?: OperationOptions): Promise<T | undefined> {
    return operation(this.log, this.lifetime.signal, title, body, opts);
  }

  private disposed = false;

  /** Idempotent: VS Code disposes context.subscriptions, and nothing else should, but twice must be harmless. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.lifetime.abort();
    this.stopTimer();
    clearTimeout(this.validateTimer);
    clearTimeout(this.editTimer);
    this.validateCts?.cancel();
    this.validateCts?.dispose();
    for (const d of [...this.watchers, ...this.disposables].reverse()) d.dispose();
    this.watchers = [];
  }

  /** Files the current findings are about: the config and its `$include`s. */
  configFiles(): readonly string[] {
    return this.snap.files ?? (this.snap.doc ? [this.snap.doc.file] : []);
  }

  isConfigDocument(d: vscode.TextDocument): boolean {
    return d.uri.scheme === 'file' && this.snap.located !== undefined && path.resolve(d.uri.fsPath) === this.snap.located.path;
  }

  /**
   * OpenClaw reads JSON5; VS Code's JSON server would flag every comment and unquoted key as an error.
   * OpenClaw's own locations get our language through path patterns; a config elsewhere gets it here.
   */
  private claimLanguage(d: vscode.TextDocument): void {
    if ((d.languageId === 'json' || d.languageId === 'jsonc') && this.configFiles().includes(path.resolve(d.uri.fsPath)) && d.uri.scheme === 'file') {
      void vscode.languages.setTextDocumentLanguage(d, LANGUAGE_ID).then(undefined, (err: unknown) => this.log.warn(`could not set the language of ${d.uri.fsPath}`, err));
    }
  }

  /** Single flight: one refresh at a time, and at most one more queued with the union of what was asked. */
  refresh(opts: RefreshOptions): Promise<void> {
    if (this.inflight) {
      this.queued = { probe: this.queued?.probe || opts.probe, validate: this.queued?.validate || opts.validate, recheckVersion: this.queued?.recheckVersion || opts.recheckVersion };
      return this.inflight;
    }
    this.inflight = this.doRefresh(opts)
      .catch((err: unknown) => this.log.error('refresh failed', err))
      .finally(() => {
        this.inflight = undefined;
        const next = this.queued;
        this.queued = undefined;
        if (next) void this.refresh(next);
      });
    return this.inflight;
  }

  private async doRefresh(opts: RefreshOptions): Promise<void> {
    const t0 = Date.now();
    const settings = readSettings();
    const located = locateConfig({ settingPath: settings.configPath, env: process.env, homedir: os.homedir(), exists: (f) => fs.existsSync(f) });
    if (located.path !== this.snap.located?.path) this.watch(located);
    let { version, versionSource } = this.snap;
    if (opts.recheckVersion || !this.snap.refreshedAt) {
      version = await openclawVersion(settings.openclawExecutable, { timeoutMs: millis(10_000) });
      versionSource = version ? 'installed' : 'assumed';
      this.log.info(version ? `OpenClaw ${formatVersion(version)} (${settings.openclawExecutable})` : `OpenClaw not found (${settings.openclawExecutable}); rules assume the newest release known`);
    }
    let read: { doc: ConfigDocument; diskHash?: string } | undefined;
    try {
      read = await this.readDoc(located);
    } catch (err) {
      if (!(err instanceof ConfigUnreadable)) throw err;
      this.log.error(err.message);
      void vscode.window.showErrorMessage(`Local AI Lab: ${err.message}`);
      read = undefined;
    }
    if (!read) {
      this.ours.clear();
      this.validatorDiagnostics.clear();
      this.snap = { located, version, versionSource, runtimes: this.snap.runtimes, findings: [], refreshedAt: Date.now() };
      this.log.info(`no OpenClaw config at ${located.path} (looked at ${located.searched.join(', ')})`);
      this.changed.fire(this.snap);
      return;
    }
    let runtimes = this.snap.runtimes;
    let probedAt = this.snap.probedAt;
    // A saved or changed file whose providers the last probe did not see (a new provider, a new base URL) is
    // probed now, not at the next timer: otherwise the editor knows less than `local-ai-lab check` does.
    const unseen = () => providersOf(read!.doc).some((p) => p.baseUrl !== undefined && this.snap.runtimes.get(p.id)?.baseUrl !== p.baseUrl);
    if (settings.inspectServers && (opts.probe || probedAt === undefined || (opts.validate && unseen()))) {
      // A server that stops answering keeps its last findings, marked with their time (withLastKnown).
      runtimes = withLastKnown(this.snap.runtimes, await this.probe(providersOf(read.doc), settings), Date.now());
      probedAt = Date.now();
    } else if (!settings.inspectServers) runtimes = new Map();
    const configChangedAt = await fs.promises.stat(located.path).then((st) => st.mtimeMs, () => undefined);
    const lastApplied = readProfileState(located.path)?.profile;
    const result = check({ doc: read.doc, version, versionSource, servers: runtimes, userProfiles: settings.profiles, lastApplied, disabledRules: settings.disabledRules, configChangedAt });
    const { findings, profiles } = result;
    const files = result.observation.config.docs.map((d) => path.resolve(d.file));
    this.snap = { ...this.snap, located, doc: read.doc, diskHash: read.diskHash, version, versionSource, runtimes, probedAt, findings, files, profiles, lastApplied, configChangedAt, refreshedAt: Date.now() };
    this.publish();
    for (const d of vscode.workspace.textDocuments) this.claimLanguage(d);
    this.log.info(`checked ${located.path}: ${findings.length} finding(s) in ${Date.now() - t0} ms`);
    if (opts.validate || this.snap.validation === undefined) this.scheduleValidate(settings, opts.validate ? 300 : 0);
    this.changed.fire(this.snap);
    this.startTimer(settings);
  }

  /**
   * The open document's text when it has unsaved edits (diagnostics follow typing), the disk otherwise: a clean
   * document can lag behind a write made outside the editor (a profile switch, the CLI) until VS Code reloads it.
   */
  private async readDoc(located: LocatedConfig): Promise<{ doc: ConfigDocument; diskHash?: string } | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && path.resolve(d.uri.fsPath) === located.path && d.isDirty);
    let disk: Awaited<ReturnType<typeof readConfigAsync>>;
    try {
      disk = await readConfigAsync(located.path);
    } catch (err) {
      // An open, edited document still gets its findings; the disk's problem is only news without one.
      if (!open) throw err;
    }
    if (open) return { doc: parseDocument(located.path, open.getText(), disk?.doc.encoding ?? 'utf8'), diskHash: disk?.hash };
    return disk ? { doc: disk.doc, diskHash: disk.hash } : undefined;
  }

  /** LM Studio's API token: SecretStorage first, then LM_API_TOKEN. Sent only to LM Studio (core/servers/secrets.ts). */
  async lmStudioToken(): Promise<string | undefined> {
    return (await this.extension.secrets.get(TOKEN_SECRET)) ?? process.env.LM_API_TOKEN;
  }

  private async probe(providers: ReturnType<typeof providersOf>, settings: Settings): Promise<Map<string, ServerState>> {
    const token = await this.lmStudioToken();
    const runtimes = await inspectServers(providers, { timeoutMs: settings.inspectTimeout, lmStudioToken: token, lms: lmsRunner(findLmsExecutable(settings.lmsExecutable)) });
    for (const [id, s] of runtimes) {
      if (s.status === 'ok') this.log.info(`provider ${id}: ${s.kind} at ${s.baseUrl}, loaded ${s.loaded.map((m) => `${m.identifier}@${m.loadedContextLength ?? '?'}`).join(', ') || 'nothing'}${s.detail ? ` (${s.detail})` : ''}`);
      else this.log.warn(`provider ${id}: could not read ${s.baseUrl}: ${s.detail ?? s.status}`);
    }
    return runtimes;
  }

  /** Re-run the rules on the open document's text (no probe, no validator): follows typing closely. */
  private scheduleEditRecheck(): void {
    clearTimeout(this.editTimer);
    this.editTimer = setTimeout(() => void this.refresh({}), 250);
  }

  /** The check of a document's current text, for code actions and hovers (pure; cached server and profile state). */
  checkDocument(document: vscode.TextDocument): CheckResult | undefined {
    const input = this.checkInputFor(document);
    return input && check(input);
  }

  /** What the pipeline needs to judge a document's current text (Fix All runs its loop on it). */
  checkInputFor(document: vscode.TextDocument): CheckInput | undefined {
    if (!this.isConfigDocument(document)) return undefined;
    const settings = readSettings();
    const doc = parseDocument(document.uri.fsPath, document.getText(), this.snap.doc?.encoding);
    return { doc, version: this.snap.version, versionSource: this.snap.versionSource, servers: this.snap.runtimes, userProfiles: settings.profiles, lastApplied: this.snap.lastApplied, disabledRules: settings.disabledRules, configChangedAt: this.snap.configChangedAt };
  }

  /** The check of the bytes on disk (what a write would back up and replace), with the snapshot's servers and version. */
  async checkDisk(): Promise<(CheckResult & { read: ReadConfig }) | undefined> {
    const file = this.snap.located?.path;
    if (!file) return undefined;
    const read = await readConfigAsync(file);
    if (!read) return undefined;
    const settings = readSettings();
    const s = this.snap;
    return { read, ...check({ doc: read.doc, version: s.version, versionSource: s.versionSource, servers: s.runtimes, userProfiles: settings.profiles, lastApplied: s.lastApplied, disabledRules: settings.disabledRules }) };
  }

  observationFor(document: vscode.TextDocument): Observation | undefined {
    return this.checkDocument(document)?.observation;
  }

  findingsFor(document: vscode.TextDocument): Finding[] {
    return this.checkDocument(document)?.findings ?? this.snap.findings.filter((f) => f.file === path.resolve(document.uri.fsPath));
  }

  private publish(): void {
    this.publishAll();
  }

  private scheduleValidate(settings: Settings, delayMs: number): void {
    clearTimeout(this.validateTimer);
    this.validateCts?.cancel();
    if (!settings.validate || !this.snap.version || !this.snap.located?.exists) {
      this.validatorDiagnostics.clear();
      return;
    }
    this.validateTimer = setTimeout(() => void this.runValidate(settings), delayMs);
  }

  private async runValidate(settings: Settings): Promise<void> {
    const cts = new vscode.CancellationTokenSource();
    this.validateCts = cts;
    const abort = new AbortController();
    cts.token.onCancellationRequested(() => abort.abort());
    const file = this.snap.located!.path;
    const judged = this.snap.diskHash;
    const t0 = Date.now();
    try {
      const result = await validateConfig(settings.openclawExecutable, file, { ...validatorOptions(settings), signal: abort.signal });
      if (cts.token.isCancellationRequested) return;
      this.snap = { ...this.snap, validation: result, validatedHash: judged, validationError: undefined };
      this.log.info(`openclaw config validate: ${result.valid ? 'valid' : `${result.issues.length} issue(s)`} in ${Date.now() - t0} ms`);
    } catch (err) {
      if (cts.token.isCancellationRequested) return;
      this.snap = { ...this.snap, validation: undefined, validationError: (err as Error).message };
      this.log.warn(`openclaw config validate: ${(err as Error).message}`);
    } finally {
      cts.dispose();
      if (this.validateCts === cts) this.validateCts = undefined;
    }
    this.publishAll();
    this.changed.fire(this.snap);
  }

  /**
   * Ours and OpenClaw's own issues, placed at their ranges. OpenClaw's are shown beside ours (it is the
   * authority on validity) — except where both speak of the same key at the same range: then one
   * diagnostic, ours, carries OpenClaw's message as related information, and both sets of fixes stay.
   */
  private publishAll(): void {
    const findings = this.snap.findings;
    const diags = findings.map(toDiagnostic);
    const theirs = new Map<string, vscode.Diagnostic[]>();
    // Issues about bytes the file no longer holds would sit at the wrong places: shown again once OpenClaw has
    // judged the new content (a change on disk schedules that).
    const v = this.snap.validatedHash === this.snap.diskHash ? this.snap.validation : undefined;
    const doc = this.snap.doc;
    if (v && doc) {
      const root = this.snap.profiles?.obs.config.root ?? check({ doc, version: this.snap.version }).observation.config.root;
      const version = this.snap.version ? `OpenClaw ${formatVersion(this.snap.version)}` : 'OpenClaw';
      // The same placement and merging as `local-ai-lab check`: one diagnostic where both speak of one key.
      const { issues, related } = besideFindings(findings, root, doc, v);
      for (const [i, messages] of related) {
        const d = diags[i]!;
        d.relatedInformation = [...(d.relatedInformation ?? []), ...messages.map((m) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(findings[i]!.file), d.range), `${version}: ${m}`))];
      }
      for (const issue of issues) {
        const d = new vscode.Diagnostic(toRange(issue.range), issue.message, issue.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        d.source = VALIDATOR_SOURCE;
        theirs.set(issue.file, [...(theirs.get(issue.file) ?? []), d]);
      }
    }
    const ours = new Map<string, vscode.Diagnostic[]>();
    findings.forEach((f, i) => ours.set(f.file, [...(ours.get(f.file) ?? []), diags[i]!]));
    this.ours.clear();
    this.validatorDiagnostics.clear();
    for (const [file, list] of ours) this.ours.set(vscode.Uri.file(file), list);
    for (const [file, list] of theirs) this.validatorDiagnostics.set(vscode.Uri.file(file), list);
  }

  private watch(located: LocatedConfig): void {
    for (const w of this.watchers) w.dispose();
    const dir = path.dirname(located.path);
    // A RelativePattern on a folder outside the workspace still gets events.
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*.{json,json5}'));
    const onDisk = (uri: vscode.Uri) => {
      if (vscode.workspace.textDocuments.some((d) => d.uri.fsPath === uri.fsPath && d.isDirty)) return;
      void this.refresh({ validate: path.resolve(uri.fsPath) === located.path });
    };
    this.watchers = [w, w.onDidCreate(onDisk), w.onDidChange(onDisk), w.onDidDelete(onDisk)];
    this.log.info(`watching ${located.path} (${located.source})`);
  }

  private onFocus(): void {
    const s = readSettings();
    if (s.refreshInterval > 0 && (!this.snap.probedAt || Date.now() - this.snap.probedAt > toMillis(s.refreshInterval))) void this.refresh({ probe: true });
    this.startTimer(s);
  }

  /**
   * Re-probe every refreshSeconds while focused; while a server is not answering, sooner, backing off
   * (5, 10, 20 … s, never past refreshSeconds), so a restarted server is seen again within seconds.
   */
  private startTimer(s: Settings): void {
    this.stopTimer();
    if (s.refreshInterval <= 0 || !vscode.window.state.focused) return;
    const down = [...this.snap.runtimes.values()].some((r) => r.status !== 'ok' || r.stale);
    if (!down) {
      this.backoff = 0;
      this.refreshTimer = setInterval(() => void this.refresh({ probe: true }), toMillis(s.refreshInterval));
      return;
    }
    const delay = seconds(Math.min(s.refreshInterval, 5 * 2 ** this.backoff++));
    this.refreshTimer = setTimeout(() => void this.refresh({ probe: true }), toMillis(delay));
  }

  private stopTimer(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }
}
