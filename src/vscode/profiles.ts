import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { inspectServers } from '../core/sources.js';
import type { Observation } from '../core/observation.js';
import { applyPlan } from '../core/profiles/apply.js';
import { importDarkmux } from '../core/profiles/darkmux.js';
import { actualState, type Detection } from '../core/profiles/detect.js';
import { describePlan, planProfile, type ProfilePlan } from '../core/profiles/plan.js';
import { profileCaveats, profileDetail } from '../core/profiles/caveats.js';
import { parseUserProfiles, ProfileDefSchema, type ProfileDef, type ProfileTarget } from '../core/profiles/types.js';
import { LANGUAGE_ID, type Ctx } from './ctx.js';
import { readSettings } from './settings.js';
import { profilesPlacement } from './options.js';
import { PROPOSED_SCHEME, type ProposedConfigProvider } from './proposed.js';
import type { Approvals } from './approve.js';
import { fmt } from '../core/format.js';

/** The status item, and what the profile commands of the command table (commands.ts) run. */
export class ProfileController implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private applying: string | undefined;
  private targetsNow: ProfileTarget[] = [];
  private detection: Detection | undefined;
  private warnedSettings = '';

  constructor(
    private readonly ctx: Ctx,
    private readonly proposed: ProposedConfigProvider,
    private readonly approvals: Approvals,
  ) {
    this.item = vscode.window.createStatusBarItem('localAiLab.profile', vscode.StatusBarAlignment.Left, 100);
    this.item.name = 'Local AI Lab Profile';
    this.item.command = 'localAiLab.switchProfile';
    this.disposables.push(
      this.item,
      ctx.onDidChange(() => this.update()),
      // At once: a refresh (and its change event) does not follow every settings edit, e.g. before a config is found.
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('localAiLab.profiles') && void this.userProfiles()),
    );
    this.update();
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
  }

  /** The profiles as resolved now (for the lab's profile picker). */
  targets(): readonly ProfileTarget[] {
    this.update();
    return this.targetsNow;
  }

  /** What the Lab view's Profiles list shows: the targets, the one in force, and each one's caveats here. */
  view(): { targets: readonly ProfileTarget[]; inForce?: string; drift: boolean; caveats: Map<string, string[]> } {
    this.update();
    const caveats = profileCaveats(this.targetsNow, this.ctx.state.profiles?.obs.machine.totalMemoryBytes ?? 0);
    return { targets: this.targetsNow, inForce: this.detection?.name, drift: this.detection?.drift ?? false, caveats };
  }

  /** For tests and the state command. */
  get status(): { text: string; profile?: string; drift: boolean } {
    return { text: this.item.text, profile: this.detection?.name, drift: this.detection?.drift ?? false };
  }

  private userProfiles(): readonly ProfileDef[] {
    const { profiles, profileErrors: errors } = readSettings();
    const placement = profilesPlacement({ remoteName: vscode.env.remoteName, effective: vscode.workspace.getConfiguration('localAiLab').get('profiles'), userSettingsText: this.userSettingsText() });
    const open = (p: string | undefined) => p && vscode.commands.executeCommand(placement.settingsCommand);
    const key = [...errors, placement.ignored ?? ''].join('\n');
    if (key !== this.warnedSettings) {
      this.warnedSettings = key;
      if (errors.length) {
        for (const e of errors) this.ctx.log.warn(e);
        void vscode.window.showWarningMessage(`Some Local AI Lab profiles are invalid and were skipped: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}${placement.where ? ` ${placement.where}` : ''}`, 'Open Settings').then(open);
      }
      if (placement.ignored) {
        this.ctx.log.warn(placement.ignored);
        void vscode.window.showWarningMessage(placement.ignored, 'Open Remote Settings').then(open);
      }
    }
    return profiles;
  }

  /**
   * The User settings file, when it is on this machine (code-server keeps it beside the extension's global
   * storage): only to tell that a list written there is ignored in a remote window.
   */
  private userSettingsText(): string | undefined {
    if (!vscode.env.remoteName) return undefined;
    try {
      return fs.readFileSync(path.join(this.ctx.extension.globalStorageUri.fsPath, '..', '..', 'settings.json'), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** The refreshed observation: Ctx resolves the profiles and detects the one in force once per refresh. */
  private observation(): Observation | undefined {
    const s = this.ctx.state;
    if (!s.doc || s.doc.error) return undefined;
    return s.profiles?.obs;
  }

  update(): void {
    const obs = this.observation();
    const profiles = this.ctx.state.profiles;
    this.userProfiles(); // for its warning about invalid entries; a settings change refreshes Ctx, which calls here
    if (!obs || !profiles || !this.ctx.state.located) {
      this.item.hide();
      return;
    }
    for (const p of profiles.problems) this.ctx.log.info(`profile ${p.name}: ${p.message}`);
    this.targetsNow = profiles.targets;
    this.detection = profiles.detection;
    const d = this.detection;
    // The probe state is part of the truth the item tells: a server that stopped answering shows here.
    const down = [...this.ctx.state.runtimes].filter(([, s]) => s.status !== 'ok' || s.stale);
    this.item.text = this.applying ? `$(loading~spin) ${this.applying}` : `$(beaker) ${d.name}${d.drift ? ' $(warning)' : ''}${down.length ? ' $(debug-disconnect)' : ''}`;
    this.item.accessibilityInformation = { label: `Local AI Lab profile ${d.name}${d.drift ? ', drifted' : ''}${down.length ? `, ${down.length === 1 ? 'a model server is' : `${down.length} model servers are`} not answering` : ''}` };
    this.item.tooltip = this.tooltip(obs, d, down.map(([id, s]) => `${id} at ${s.baseUrl}`));
    this.item.show();
  }

  private tooltip(obs: Observation, d: Detection, down: readonly string[] = []): vscode.MarkdownString {
    const a = actualState(obs);
    const t = d.target;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: ['localAiLab.switchProfile', 'localAiLab.checkConfig', 'localAiLab.showProfile', 'localAiLab.runLab6'] };
    md.appendMarkdown(`**Profile: ${d.name}**${d.drift ? ' — drifted from what was applied' : d.name === 'custom' ? ' — matches no profile' : ''}\n\n`);
    if (down.length) md.appendMarkdown(`$(debug-disconnect) Not answering: ${down.join(', ')} — the figures below are from its last answer.\n\n`);
    // Drift names the rows that moved, not only that something did.
    if (d.drift && d.differences.length) md.appendMarkdown(`$(warning) Drifted: ${d.differences.map((x) => `${x.what} is ${x.actual} (profile: ${x.expected})`).join('; ')}.\n\n`);
    md.appendMarkdown('| | profile | actual |\n|---|---:|---:|\n');
    md.appendMarkdown(`| primary loaded | ${fmt(t?.primary.context.value, '—')} | ${fmt(a.primaryLoaded, '—')} |\n`);
    md.appendMarkdown(`| runtime budget | ${fmt(t ? Math.min(t.budget.value, t.primary.context.value) : undefined, '—')} | ${fmt(a.budget, '—')} |\n`);
    md.appendMarkdown(`| compactor | ${t ? (t.compactor ? fmt(t.compactor.context.value, '—') : 'none') : '—'} | ${a.compactor ? fmt(a.compactorLoaded, '—') : 'none'} |\n`);
    md.appendMarkdown(`| compaction mode | ${t?.mode?.value ?? '—'} | ${a.mode ?? 'safeguard (unset)'} |\n\n`);
    if (t && (t.budget.source === 'derived' || t.primary.context.source === 'derived')) md.appendMarkdown('_Some values are derived for this machine, not measured._\n\n');
    md.appendMarkdown('[$(arrow-swap) Switch](command:localAiLab.switchProfile) · [$(checklist) Check](command:localAiLab.checkConfig) · [$(beaker) Run Lab ×6](command:localAiLab.runLab6) · [$(info) Show](command:localAiLab.showProfile)');
    return md;
  }

  private describe(t: ProfileTarget): string {
    const derived = [t.primary.context, t.budget, t.compactor?.context].some((x) => x?.source === 'derived');
    return `primary ${fmt(t.primary.context.value, '—')} · budget ${fmt(Math.min(t.budget.value, t.primary.context.value), '—')} · ${t.compactor ? `compactor ${fmt(t.compactor.context.value, '—')}` : 'no compactor'}${derived ? ' · derived' : ''}`;
  }

  /** Switch Profile: the quick pick, the current profile marked. */
  async pick(): Promise<void> {
    this.update();
    if (!this.targetsNow.length) {
      void vscode.window.showWarningMessage('No profile applies: Local AI Lab needs an openclaw.json with a primary model.', 'Open Config').then((p) => p && vscode.commands.executeCommand('localAiLab.openConfig'));
      return;
    }
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { name: string }>();
    qp.title = 'Switch Local AI Lab Profile';
    qp.placeholder = 'Configure OpenClaw and the model server for a task class';
    const current = this.detection?.name;
    // Say it when a derived plan drops the compactor or makes two profiles the same on this machine.
    const caveats = profileCaveats(this.targetsNow, this.ctx.state.profiles?.obs.machine.totalMemoryBytes ?? 0);
    qp.items = this.targetsNow.map((t) => ({
      name: t.name,
      label: `${t.name === current ? '$(check) ' : ''}${t.name}${t.builtin ? '' : ' (yours)'}`,
      description: this.describe(t),
      // The caveats lead the detail line, where they are not cut off as they were at the end of the description.
      detail: profileDetail(t, caveats.get(t.name) ?? []),
      alwaysShow: t.name === current,
    }));
    const chosen = await new Promise<string | undefined>((resolve) => {
      qp.onDidAccept(() => {
        resolve(qp.selectedItems[0]?.name);
        qp.hide();
      });
      qp.onDidHide(() => {
        resolve(undefined);
        qp.dispose();
      });
      qp.show();
    });
    if (chosen) await this.applyByName(chosen);
  }

  /** Shows a plan's config diff beside the question and asks once; the preview closes when answered (the lab asks the same way). */
  async confirmPlan(name: string, plan: ProfilePlan): Promise<boolean> {
    if (plan.before !== plan.after) {
      const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${name}/openclaw.json` });
      this.proposed.set(uri, plan.after);
      // JSON5, not JSON: otherwise VS Code's JSON checker fills the Problems panel from the preview.
      await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), LANGUAGE_ID);
      await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(plan.file), uri, `openclaw.json ↔ ${name} (proposed)`, { preview: true, viewColumn: vscode.ViewColumn.One });
    }
    for (const l of describePlan(plan)) this.ctx.log.info(`plan ${name}: ${l}`);
    // One sentence; the diff beside it holds the config details. No column alignment, no "model(s)".
    const loads = plan.actions.filter((a) => a.kind === 'load').map((a) => (a.kind === 'load' ? `${a.modelKey} at ${fmt(a.contextLength)}` : ''));
    const unloads = plan.unloadsOperatorModels.length ? ` It unloads ${plan.unloadsOperatorModels.join(' and ')}, which you loaded.` : '';
    const question = `Apply ${name}?${plan.before !== plan.after ? ' The diff shows the config change.' : ''}${loads.length ? ` It loads ${loads.join(' and ')}.` : ''}${unloads} openclaw.json is backed up first.`;
    const ok = await this.approvals.ask(question);
    await this.closePreviews();
    return ok;
  }

  /** Plan, preview the diff, confirm once, apply with progress and cancel, re-observe, report. */
  async applyByName(name: string, opts: { confirm?: boolean } = {}): Promise<boolean> {
    // Plan from the bytes on disk — what gets backed up and replaced — as the refresh read them.
    const read = await this.ctx.refreshAndCheckDisk({ inspectServers: true }).then(
      (disk) => ({ disk }),
      (err: Error) => ({ err }),
    );
    const located = this.ctx.state.located;
    if (!located?.exists) {
      void vscode.window.showErrorMessage('No openclaw.json to apply a profile to.');
      return false;
    }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === located.path);
    if (open?.isDirty) {
      void vscode.window.showErrorMessage('openclaw.json has unsaved changes. Save or revert it, then switch profiles.');
      return false;
    }
    this.userProfiles(); // warns about invalid entries
    if ('err' in read) {
      void vscode.window.showErrorMessage(`Cannot apply ${name}: ${read.err.message}`);
      return false;
    }
    const disk = read.disk;
    if (!disk) {
      void vscode.window.showErrorMessage('No openclaw.json to apply a profile to.');
      return false;
    }
    const obs = disk.observation;
    const target = disk.profiles.targets.find((t) => t.name === name);
    if (!target) {
      void vscode.window.showErrorMessage(`No profile "${name}".`);
      return false;
    }
    const plan = planProfile(target, obs);
    if (plan.blocked) {
      void vscode.window.showErrorMessage(`Cannot apply ${name}: ${plan.blocked}`);
      return false;
    }
    if (plan.before === plan.after && plan.actions.length === 0) {
      void vscode.window.showInformationMessage(`${name} is already in force.`);
      return true;
    }
    if (opts.confirm !== false && !(await this.confirmPlan(name, plan))) return false;
    this.applying = name;
    this.update();
    try {
      const token = await this.ctx.lmStudioToken();
      const report = await this.ctx.operation(`Applying ${name}`, ({ signal, report }) =>
        applyPlan(plan, {
          expectedHash: disk.read.hash,
          signal,
          lmStudioToken: token,
          onStep: (m, i, total) => report({ message: `${m} (${i}/${total})`, increment: 100 / total }),
          reprobe: () => inspectServers(obs.model.providers, { timeoutMs: 1500, lmStudioToken: token }),
        }),
      );
      if (!report) return false;
      for (const st of report.steps) this.ctx.log.info(`${name}: ${st}`);
      if (report.ok) {
        const todo = report.instructions.length ? ` Still to do by hand: ${report.instructions.join(' ')}` : '';
        void vscode.window.showInformationMessage(`${name} applied. Loaded now: ${report.loadedAfter.join(', ') || 'unknown'}.${todo}`);
      } else {
        this.ctx.log.error(`${name}: ${report.error}`);
        void vscode.window
          .showErrorMessage(`${name} was not applied: ${report.error}.${report.restored ? ' openclaw.json was restored from the backup.' : ''}${report.keptNewer ? ` openclaw.json was saved meanwhile, so your version is kept; the one from before is in ${report.backup}.` : ''} Loaded now: ${report.loadedAfter.join(', ') || 'unknown'}.`, 'Show Logs')
          .then((p) => p && this.ctx.log.show());
      }
      return report.ok;
    } finally {
      this.applying = undefined;
      await this.ctx.refresh({ inspectServers: true, validate: true });
      this.update();
    }
  }

  /** The proposal is stale once answered: close its diff. */
  private async closePreviews(): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === PROPOSED_SCHEME);
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
  }

  async show(name?: string): Promise<void> {
    this.update();
    const obs = this.observation();
    const target = this.targetsNow.find((t) => t.name === (name ?? this.detection?.target?.name)) ?? this.targetsNow[0];
    if (!obs || !target) {
      void vscode.window.showInformationMessage('No profile to show: no openclaw.json with a primary model.');
      return;
    }
    const d = this.detection;
    const lines = [`# Profile ${target.name}${d?.name === target.name ? (d.drift ? ' (applied, drifted)' : ' (in force)') : ''}`, '', ...describePlan(planProfile(target, obs)).map((l) => `    ${l}`)];
    if (d?.name === target.name && d.differences.length) lines.push('', '## Drift', '', ...d.differences.map((x) => `- ${x.what}: ${x.actual} (profile: ${x.expected})`));
    // A read-only virtual document: closing it never asks to save an untitled buffer.
    const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/profile/${target.name}.md` });
    this.proposed.set(uri, lines.join('\n') + '\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.One });
  }

  /** Show Profile's "Apply This Profile": the name is read from the shown document's URI (`/profile/NAME.md`), nothing else. */
  async applyShown(uri?: unknown): Promise<boolean | undefined> {
    const from = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    const m = from?.scheme === PROPOSED_SCHEME ? /^\/profile\/(.+)\.md$/.exec(from.path) : null;
    if (!m) return undefined;
    return this.applyByName(m[1]!);
  }

  async importDarkmux(): Promise<void> {
    const files = await vscode.window.showOpenDialog({ title: 'Import darkmux profiles.json', canSelectMany: false, filters: { JSON: ['json'] } });
    if (!files?.[0]) return;
    try {
      const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(files[0])));
      const obs = this.observation();
      const lm = obs?.model.providers.find((p) => obs.runtimes.get(p.id)?.kind === 'lmstudio')?.id ?? 'lmstudio';
      const { profiles, notes } = importDarkmux(json, lm);
      const config = vscode.workspace.getConfiguration('localAiLab');
      const existing = parseUserProfiles(config.get('profiles')).profiles.filter((p) => !profiles.some((q) => q.name === p.name));
      const merged = [...existing, ...profiles].map((p) => ProfileDefSchema.parse(p));
      await config.update('profiles', merged, vscode.ConfigurationTarget.Global);
      for (const note of notes) this.ctx.log.info(`darkmux import: ${note}`);
      void vscode.window.showInformationMessage(`Imported ${profiles.length} darkmux profile(s): ${profiles.map((p) => p.name).join(', ')}.${notes.length ? ` ${notes.length} note(s) in the log.` : ''}`);
      this.update();
    } catch (err) {
      void vscode.window.showErrorMessage(`Could not import ${files[0].fsPath}: ${(err as Error).message}`);
    }
  }
}
