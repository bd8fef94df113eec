import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { readEvidence, type ProofEvidence } from '../core/evidence.js';
import { readLabTimings, type LabTimings } from '../core/lab/timings.js';
import { check, providersOf, type CheckInput, type CheckResult } from '../core/check.js';
import type { Finding } from '../core/findings.js';
import { openclawVersion, type ValidationResult } from '../core/openclaw/cli.js';
import { parseDocument, type ConfigDocument } from '../core/openclaw/document.js';
import { locateConfig, type LocatedConfig } from '../core/openclaw/locate.js';
import { formatVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import type { VersionSource } from '../core/observation.js';
import type { ProfilesInForce } from '../core/profiles/inForce.js';
import { readProfileState } from '../core/profiles/state.js';
import { ConfigUnreadable, readConfigAsync, type ReadConfig } from '../core/read.js';
import { findLmsExecutable, lmsRunner } from '../core/servers/lmsCli.js';
import type { ServerState } from '../core/servers/types.js';
import { inspectServers, withLastKnown } from '../core/sources.js';
import { millis } from '../core/units.js';
import { readSettings, type Settings } from './settings.js';
import { SingleFlight } from './singleFlight.js';

export interface Snapshot {
  readonly located?: LocatedConfig;
  readonly doc?: ConfigDocument;
  /** sha256 of the bytes on disk when last read. */
  readonly diskHash?: string;
  readonly version?: OpenClawVersion;
  readonly versionSource: VersionSource;
  readonly runtimes: ReadonlyMap<string, ServerState>;
  /** When the servers were last asked what they have loaded. */
  readonly inspectedAt?: number;
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
  /** The proofs `lab prove` kept in the workspace's lab folder, read once per refresh. */
  readonly evidence?: readonly ProofEvidence[];
  /** What the newest lab sessions of this config measured (for timeout-near-limit), read once per refresh. */
  readonly measured?: LabTimings;
}

export type ValidatorVerdict = Pick<Snapshot, 'validation' | 'validatedHash' | 'validationError'>;

export interface RefreshOptions {
  /** Ask the model servers again what they have loaded (otherwise their last answer is used). */
  readonly inspectServers?: boolean;
  /** Have OpenClaw's validator judge the file again. */
  readonly validate?: boolean;
  /** Run `openclaw --version` again. */
  readonly recheckVersion?: boolean;
}

/** The check of the bytes on disk — what a write would back up and replace — with what was read. */
export type DiskCheck = CheckResult & { readonly read: ReadConfig };

/** What a refresh did, for the pieces that follow it (diagnostics, the validator, the server timer). */
export interface Refreshed {
  readonly opts: RefreshOptions;
  readonly settings: Settings;
  /** False when there was no config to read. */
  readonly found: boolean;
}

/** The parts of the state the check takes besides the document. */
type CheckSources = Pick<Snapshot, 'version' | 'versionSource' | 'runtimes' | 'lastApplied' | 'configChangedAt' | 'evidence' | 'measured'>;

/** The one place the editor builds the check's input (the refresh, the open document, the disk). */
function checkInput(doc: ConfigDocument, s: CheckSources, settings: Settings): CheckInput {
  return { doc, version: s.version, versionSource: s.versionSource, servers: s.runtimes, userProfiles: settings.profiles, lastApplied: s.lastApplied, disabledRules: settings.disabledRules, configChangedAt: s.configChangedAt, evidence: s.evidence, measured: s.measured };
}

/** The workspace's lab folder (as the Lab view has it), where `lab prove` keeps its proofs; none without a folder. */
function workspaceEvidence(): readonly ProofEvidence[] {
  const ws = vscode.workspace.workspaceFolders?.[0];
  return ws && ws.uri.scheme === 'file' ? readEvidence(path.join(ws.uri.fsPath, '.local-ai-lab')) : [];
}

/** What the newest lab sessions of this config in the workspace's lab folder measured; nothing without a folder. */
function workspaceTimings(configPath: string): LabTimings | undefined {
  const ws = vscode.workspace.workspaceFolders?.[0];
  return ws && ws.uri.scheme === 'file' ? readLabTimings(path.join(ws.uri.fsPath, '.local-ai-lab'), configPath) : undefined;
}

const union = (a: RefreshOptions, b: RefreshOptions): RefreshOptions => ({
  inspectServers: a.inspectServers || b.inspectServers,
  validate: a.validate || b.validate,
  recheckVersion: a.recheckVersion || b.recheckVersion,
});

/**
 * The config as the editor knows it: where it is, its document, the OpenClaw version, what the servers have
 * loaded, and the check of all that. Refreshes are single-flight; the file's folder is watched.
 */
export class ConfigState implements vscode.Disposable {
  private snap: Snapshot = { versionSource: 'assumed', runtimes: new Map(), findings: [] };
  private readonly flight = new SingleFlight<RefreshOptions>(
    (o) => this.doRefresh(o),
    union,
    (err) => this.log.error('refresh failed', err),
  );
  /** The last refresh's check when it judged the bytes on disk (no unsaved edits): operations need not read again. */
  private diskCheck: DiskCheck | undefined;
  /** Hovers and code actions ask per request; the check of one document version against one snapshot is computed once. */
  private docCheck: { snap: Snapshot; uri: string; version: number; input: CheckInput; result?: CheckResult } | undefined;
  /** Per located config file; replaced when the location changes. */
  private watchers: vscode.Disposable[] = [];
  private disposed = false;
  private readonly refreshed = new vscode.EventEmitter<Refreshed>();
  private readonly changed = new vscode.EventEmitter<Snapshot>();
  /** After each refresh, before onDidChange. */
  readonly onDidRefresh = this.refreshed.event;
  /** After each refresh and each verdict of OpenClaw's validator. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly lmStudioToken: () => Promise<string | undefined>,
  ) {}

  get state(): Snapshot {
    return this.snap;
  }

  dispose(): void {
    this.disposed = true;
    for (const d of this.watchers) d.dispose();
    this.watchers = [];
    this.refreshed.dispose();
    this.changed.dispose();
  }

  /** Files the current findings are about: the config and its `$include`s. */
  configFiles(): readonly string[] {
    return this.snap.files ?? (this.snap.doc ? [this.snap.doc.file] : []);
  }

  isConfigDocument(d: vscode.TextDocument): boolean {
    return d.uri.scheme === 'file' && this.snap.located !== undefined && path.resolve(d.uri.fsPath) === this.snap.located.path;
  }

  /**
   * Single flight: one refresh at a time, at most one more queued with the union of what was asked. Resolves
   * once a refresh that started after this call has finished, so the state then covers `opts`.
   */
  refresh(opts: RefreshOptions): Promise<void> {
    return this.flight.request(opts);
  }

  /** What operations call: a refresh, then the check of the bytes on disk — read once, not once for each. */
  async refreshAndCheckDisk(opts: RefreshOptions): Promise<DiskCheck | undefined> {
    await this.refresh(opts);
    return this.diskCheck ?? this.checkDisk();
  }

  /** The check of the bytes on disk (what a write would back up and replace), with the snapshot's servers and version. */
  async checkDisk(): Promise<DiskCheck | undefined> {
    const file = this.snap.located?.path;
    if (!file) return undefined;
    const read = await readConfigAsync(file);
    if (!read) return undefined;
    return { read, ...check(checkInput(read.doc, this.snap, readSettings())) };
  }

  /** What the pipeline needs to judge a document's current text (Fix All runs its loop on it). */
  checkInputFor(document: vscode.TextDocument): CheckInput | undefined {
    return this.cachedFor(document)?.input;
  }

  /** The check of a document's current text, for code actions and hovers (cached server and profile state). */
  checkDocument(document: vscode.TextDocument): CheckResult | undefined {
    const entry = this.cachedFor(document);
    if (entry) entry.result ??= check(entry.input);
    return entry?.result;
  }

  private cachedFor(document: vscode.TextDocument): NonNullable<ConfigState['docCheck']> | undefined {
    if (!this.isConfigDocument(document)) return undefined;
    const uri = document.uri.toString();
    const c = this.docCheck;
    if (c && c.snap === this.snap && c.uri === uri && c.version === document.version) return c;
    const doc = parseDocument(document.uri.fsPath, document.getText(), this.snap.doc?.encoding);
    this.docCheck = { snap: this.snap, uri, version: document.version, input: checkInput(doc, this.snap, readSettings()) };
    return this.docCheck;
  }

  /** OpenClaw's verdict on the file (validator.ts): the keys given replace the snapshot's. */
  setValidation(v: ValidatorVerdict, announce = true): void {
    this.snap = { ...this.snap, ...v };
    if (announce) this.changed.fire(this.snap);
  }

  private async doRefresh(opts: RefreshOptions): Promise<void> {
    if (this.disposed) return;
    const t0 = Date.now();
    this.diskCheck = undefined;
    const settings = readSettings();
    const located = locateConfig({ settingPath: settings.configPath, env: process.env, homedir: os.homedir(), exists: (f) => fs.existsSync(f) });
    if (located.path !== this.snap.located?.path) this.watch(located);
    let { version, versionSource } = this.snap;
    if (opts.recheckVersion || !this.snap.refreshedAt) {
      version = await openclawVersion(settings.openclawExecutable, { timeoutMs: millis(10_000) });
      versionSource = version ? 'installed' : 'assumed';
      this.log.info(version ? `OpenClaw ${formatVersion(version)} (${settings.openclawExecutable})` : `OpenClaw not found (${settings.openclawExecutable}); rules assume the newest release known`);
    }
    let read: { doc: ConfigDocument; disk?: ReadConfig } | undefined;
    try {
      read = await this.readDoc(located);
    } catch (err) {
      if (!(err instanceof ConfigUnreadable)) throw err;
      this.log.error(err.message);
      void vscode.window.showErrorMessage(`Local AI Lab: ${err.message}`);
      read = undefined;
    }
    if (!read) {
      this.snap = { located, version, versionSource, runtimes: this.snap.runtimes, findings: [], refreshedAt: Date.now() };
      this.log.info(`no OpenClaw config at ${located.path} (looked at ${located.searched.join(', ')})`);
      this.announce({ opts, settings, found: false });
      return;
    }
    const doc = read.doc;
    let runtimes = this.snap.runtimes;
    let inspectedAt = this.snap.inspectedAt;
    // A saved or changed file whose providers the last inspection did not see (a new provider, a new base URL) is
    // inspected now, not at the next timer: otherwise the editor knows less than `local-ai-lab check` does.
    const unseen = () => providersOf(doc).some((p) => p.baseUrl !== undefined && this.snap.runtimes.get(p.id)?.baseUrl !== p.baseUrl);
    if (settings.inspectServers && (opts.inspectServers || inspectedAt === undefined || (opts.validate && unseen()))) {
      // A server that stops answering keeps its last findings, marked with their time (withLastKnown).
      runtimes = withLastKnown(this.snap.runtimes, await this.inspect(providersOf(doc), settings), Date.now());
      inspectedAt = Date.now();
    } else if (!settings.inspectServers) runtimes = new Map();
    const configChangedAt = await fs.promises.stat(located.path).then((st) => st.mtimeMs, () => undefined);
    const lastApplied = readProfileState(located.path)?.profile;
    const evidence = workspaceEvidence();
    const measured = workspaceTimings(located.path);
    const result = check(checkInput(doc, { version, versionSource, runtimes, lastApplied, configChangedAt, evidence, measured }, settings));
    const { findings, profiles } = result;
    const files = result.observation.config.docs.map((d) => path.resolve(d.file));
    this.snap = { ...this.snap, located, doc, diskHash: read.disk?.hash, version, versionSource, runtimes, inspectedAt, findings, files, profiles, lastApplied, configChangedAt, evidence, measured, refreshedAt: Date.now() };
    // Checked from the disk's own document: that is the disk check operations ask for next.
    if (read.disk && read.disk.doc === doc) this.diskCheck = { read: read.disk, ...result };
    this.log.info(`checked ${located.path}: ${findings.length} finding(s) in ${Date.now() - t0} ms`);
    this.announce({ opts, settings, found: true });
  }

  private announce(r: Refreshed): void {
    this.refreshed.fire(r);
    this.changed.fire(this.snap);
  }

  /**
   * The open document's text when it has unsaved edits (diagnostics follow typing), the disk otherwise: a clean
   * document can lag behind a write made outside the editor (a profile switch, the CLI) until VS Code reloads it.
   */
  private async readDoc(located: LocatedConfig): Promise<{ doc: ConfigDocument; disk?: ReadConfig } | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && path.resolve(d.uri.fsPath) === located.path && d.isDirty);
    let disk: ReadConfig | undefined;
    try {
      disk = await readConfigAsync(located.path);
    } catch (err) {
      // An open, edited document still gets its findings; the disk's problem is only news without one.
      if (!open) throw err;
    }
    if (open) return { doc: parseDocument(located.path, open.getText(), disk?.doc.encoding ?? 'utf8'), disk };
    return disk ? { doc: disk.doc, disk } : undefined;
  }

  /** Asks each provider's server what it has loaded (core's inspectServers), and logs what each said. */
  private async inspect(providers: ReturnType<typeof providersOf>, settings: Settings): Promise<Map<string, ServerState>> {
    const token = await this.lmStudioToken();
    const runtimes = await inspectServers(providers, { timeoutMs: settings.inspectTimeout, lmStudioToken: token, lms: lmsRunner(findLmsExecutable(settings.lmsExecutable)) });
    for (const [id, s] of runtimes) {
      if (s.status === 'ok') this.log.info(`provider ${id}: ${s.kind} at ${s.baseUrl}, loaded ${s.loaded.map((m) => `${m.identifier}@${m.loadedContextLength ?? '?'}`).join(', ') || 'nothing'}${s.detail ? ` (${s.detail})` : ''}`);
      else this.log.warn(`provider ${id}: could not read ${s.baseUrl}: ${s.detail ?? s.status}`);
    }
    return runtimes;
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
}
