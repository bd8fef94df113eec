import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { showError } from './frame.js';
import { dispatchProgress } from '../core/format.js';
import { idOf, type ProbeRef, type CodewordsRef, type CompareArgs, type LabRunOptions, type SessionRef, type SweepRef } from './commands.js';
import { summarizeSession } from '../core/lab/summary.js';
import { listSessions, readSession, type Session } from '../core/lab/records/store.js';
import { LAB_PICKER_WORKLOADS, loadWorkload, resumedPrompt } from '../core/lab/workload.js';
import { parseWorkload, type Workload } from '../core/lab/workloadSchema.js';
import { listSweeps, readSweepRecord } from '../core/lab/experiments/sweepRun.js';
import { runLabUnderProfiles } from '../core/lab/experiments/labRun.js';
import { editorLabEnv, labFailure, sayRestored } from './labEnv.js';
import { sweepComparison } from '../core/lab/view/sweepView.js';
import { listCodewordRecords, readCodewordRecord } from '../core/lab/experiments/codewordRun.js';
import { listWireProbes, readWireProbe } from '../core/lab/probes/registry.js';
import type { Ctx } from './ctx.js';
import type { ProfileController } from './profiles.js';
import { readSettings } from './settings.js';
import { LabPanel } from './labPanel.js';
import { darkmuxTimeline, MAX_DARKMUX_BYTES } from '../core/lab/timeline/darkmux.js';
import { mediansLine } from '../core/lab/timeline/timeline.js';
import { timelineView } from '../core/lab/view/timelineView.js';


/** What the lab commands of the command table (commands.ts) run: Run Lab, Resume, Open, Compare, and opening sweeps and probes. */
export class LabController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private running = false;

  readonly panel: LabPanel;
  private readonly sessionsChanged = new vscode.EventEmitter<void>();
  /** A session started, gained a dispatch or ended (the Lab view listens). */
  readonly onDidChangeSessions = this.sessionsChanged.event;

  constructor(
    private readonly ctx: Ctx,
    private readonly profiles: ProfileController,
  ) {
    this.panel = new LabPanel(ctx, () => this.labDir());
    this.disposables.push(this.panel, this.sessionsChanged);
  }

  async openPanel(ref: SessionRef): Promise<void> {
    let id = idOf(ref);
    id ??= this.panel.sessions()[0]?.session.id;
    if (!id) {
      void vscode.window.showInformationMessage('No lab sessions yet: run Local AI Lab: Run Lab ×6 first.');
      return;
    }
    this.panel.show([id]);
  }

  /** Opens darkmux's telemetry (a v0.4 instruments.jsonl or a flow-stream day file) as a read-only timeline. */
  async openDarkmuxTimeline(): Promise<void> {
    const files = await vscode.window.showOpenDialog({ title: 'Open a darkmux instruments.jsonl or flows/YYYY-MM-DD.jsonl', canSelectMany: false, filters: { 'JSON lines': ['jsonl'] } });
    const file = files?.[0];
    if (!file) return;
    try {
      const st = await vscode.workspace.fs.stat(file);
      if (st.size > MAX_DARKMUX_BYTES) throw new Error(`it is ${(st.size / 1024 / 1024).toFixed(0)} MB, more than the ${MAX_DARKMUX_BYTES / 1024 / 1024} MB a timeline reads`);
      const name = path.basename(file.fsPath);
      const t = darkmuxTimeline(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)), name);
      this.panel.showTimeline(`darkmux timeline · ${name}`, timelineView(t, mediansLine(t.medians)));
    } catch (err) {
      void vscode.window.showErrorMessage(`Local AI Lab: ${path.basename(file.fsPath)} could not be opened as a timeline: ${(err as Error).message}`);
    }
  }

  async compare(first: CompareArgs[0], selected: CompareArgs[1]): Promise<void> {
    let ids = Array.isArray(first) ? first : undefined;
    const fromTree = first && !Array.isArray(first) ? [first.id] : [];
    if (!ids && selected && selected.length >= 2) ids = selected.map((n) => n.id);
    if (!ids) {
      const picks = await vscode.window.showQuickPick(
        this.panel.sessions().map((s) => ({ label: s.session.id, picked: fromTree.includes(s.session.id), description: `${s.session.workload.name} · ${s.session.environment.profile ?? 'no profile'} · ${s.dispatches.length}/${s.session.repeats}` })),
        { title: 'Compare Lab Sessions (choose two or more)', canPickMany: true },
      );
      if (!picks) return;
      ids = picks.map((p) => p.label);
    }
    if (ids.length < 2) {
      void vscode.window.showInformationMessage('Choose at least two sessions to compare.');
      return;
    }
    this.panel.show(ids);
  }

  async openSweep(ref: SweepRef): Promise<void> {
    const root = this.labDir();
    let id = typeof ref === 'string' ? ref : ref?.id;
    if (!id) {
      const sweeps = listSweeps(root).reverse();
      if (!sweeps.length) return void vscode.window.showInformationMessage('No sweeps here yet: run Local AI Lab: Run Isolation Sweep… first.');
      const pick = await vscode.window.showQuickPick(sweeps.map((s) => ({ label: s.id, description: `${s.workload} from ${s.base} · ${s.status}` })), { title: 'Open Sweep' });
      if (!pick) return;
      id = pick.label;
    }
    try {
      const c = sweepComparison(readSweepRecord(root, id), (sid) => readSession(root, sid).dispatches);
      if (!c.sessionIds.length) return void vscode.window.showInformationMessage(`Sweep ${id} has no session yet.`);
      this.panel.show(c.sessionIds, { title: c.title, lines: c.differences, labels: c.labels });
    } catch (err) {
      void vscode.window.showErrorMessage(`Cannot open sweep ${id}: ${(err as Error).message}`);
    }
  }

  async openCodewordProbe(ref: CodewordsRef): Promise<void> {
    let id = typeof ref === 'string' ? ref : ref?.id;
    if (!id) {
      const probes = listCodewordRecords(this.labDir()).reverse();
      if (!probes.length) return void vscode.window.showInformationMessage('No codeword probes here yet: run Local AI Lab: Probe Codeword Survival first.');
      const pick = await vscode.window.showQuickPick(probes.map((p) => ({ label: p.id, description: `agent ${p.agent} · ${p.sessions.length} session(s)` })), { title: 'Open Codeword Probe' });
      if (!pick) return;
      id = pick.label;
    }
    try {
      readCodewordRecord(this.labDir(), id);
      this.panel.showCodewords(id);
    } catch (err) {
      void vscode.window.showErrorMessage(`Cannot open codeword probe ${id}: ${(err as Error).message}`);
    }
  }

  /** Opens a wire probe's record (prefix-stability, tools, fill) in the Lab panel; without an id, asks which. */
  async openProbe(ref: ProbeRef): Promise<void> {
    let id = typeof ref === 'string' ? ref : ref?.id;
    if (!id) {
      const probes = listWireProbes(this.labDir()).reverse();
      if (!probes.length) return void vscode.window.showInformationMessage('No wire probes here yet: run Local AI Lab: Probe Prompt-Cache Reuse, Probe Tool Calling, Probe Usable Context or Probe Compression Fidelity first.');
      const pick = await vscode.window.showQuickPick(
        probes.map((p) => ({ label: p.record.id, description: `${p.module.title} · agent ${p.record.agent}`, detail: p.record.error ? `did not finish: ${p.record.error}` : p.module.summary(p.record) })),
        { title: 'Open Probe' },
      );
      if (!pick) return;
      id = pick.label;
    }
    if (!readWireProbe(this.labDir(), id)) return void vscode.window.showErrorMessage(`Cannot open probe ${id}: no readable probe record of that id in ${this.labDir()}.`);
    this.panel.showProbe(id);
  }

  /** Run Lab…: asks how many dispatches. */
  async runAskingCount(): Promise<Session | undefined> {
    const n = await vscode.window.showInputBox({ title: 'Run Lab: how many dispatches?', value: '6', validateInput: (v) => (/^\d+$/.test(v) && +v >= 1 && +v <= 1000 ? undefined : 'a whole number from 1 to 1000') });
    if (n) return this.run(Number(n));
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
  }

  /** Where the lab folder is: `.local-ai-lab/` in the first workspace folder, else the extension's storage. */
  labPath(): string {
    const ws = vscode.workspace.workspaceFolders?.[0];
    return ws && ws.uri.scheme === 'file' ? path.join(ws.uri.fsPath, '.local-ai-lab') : path.join(this.ctx.extension.globalStorageUri.fsPath, 'lab');
  }

  /**
   * The lab folder to read and write, or undefined: a workspace's `.local-ai-lab` may have come with a cloned
   * repository, so its records are read only once the workspace is trusted.
   */
  readableLabDir(): string | undefined {
    const ws = vscode.workspace.workspaceFolders?.[0];
    if (ws && ws.uri.scheme === 'file' && !vscode.workspace.isTrusted) return undefined;
    return this.labPath();
  }

  /** The lab folder, or a refusal that says why (an untrusted workspace). */
  labDir(): string {
    const dir = this.readableLabDir();
    if (!dir) throw new Error(`This workspace is not trusted, so its lab folder (${this.labPath()}) is not read: it may have come with the repository. Trust the workspace to see its lab records.`);
    return dir;
  }

  /** Built-in workloads and the folder's (the sweep picks from them too). */
  workloads(): { workload: Workload; prompt: string; source: string }[] {
    const out = LAB_PICKER_WORKLOADS.map((w) => ({ workload: w, prompt: w.prompt!, source: 'built-in' }));
    const dir = path.join(this.labDir(), 'workloads');
    let files: string[] = [];
    try {
      files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      files = [];
    }
    for (const f of files) {
      try {
        const roots = (vscode.workspace.workspaceFolders ?? []).filter((w) => w.uri.scheme === 'file').map((w) => w.uri.fsPath);
        const l = loadWorkload(path.join(dir, f), this.labDir(), { roots, allowAnyPromptFile: readSettings().labAllowPromptFilesAnywhere });
        out.push({ workload: l.workload, prompt: l.prompt, source: path.join('.local-ai-lab', 'workloads', f) });
      } catch (err) {
        this.ctx.log.warn(`workload ${f}: ${(err as Error).message}`);
        void vscode.window.showWarningMessage(`Skipped workload ${f}: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /** The workload named (when it exists), else the person's pick of the built-in and this folder's workloads. */
  /** `name`: that workload, no question asked; `suggested`: ask, with that one first and marked as the default. */
  async pickWorkload(name: string | undefined, title: string, suggested?: string): Promise<ReturnType<LabController['workloads']>[number] | undefined> {
    const all = this.workloads();
    const named = name ? all.find((w) => w.workload.name === name) : undefined;
    if (named) return named;
    const ordered = suggested ? [...all.filter((w) => w.workload.name === suggested), ...all.filter((w) => w.workload.name !== suggested)] : all;
    const pick = await vscode.window.showQuickPick(
      ordered.map((w) => ({ label: w.workload.name, description: `${w.workload.dispatcher} · ${w.source}${w.workload.name === suggested ? ' · default' : ''}`, detail: w.workload.description, w })),
      { title, placeHolder: 'Built-in workloads, and .local-ai-lab/workloads/*.json in this folder' },
    );
    return pick?.w;
  }

  /** Run Lab ×n (the command table checked trust). */
  async run(n: number, workloadName?: string, opts: LabRunOptions = {}): Promise<Session | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('A lab is already running; cancel it from its notification first.');
      return undefined;
    }
    const chosen = await this.pickWorkload(workloadName, `Run Lab ×${n}: choose a workload`);
    if (!chosen) return undefined;
    let profileNames = opts.profiles;
    if (!profileNames) {
      const targets = this.profiles.targets();
      const picked = await vscode.window.showQuickPick(
        targets.map((t) => ({ label: t.name, description: t.description })),
        { title: `Run Lab ×${n}: under which profiles? (none: as things are now)`, canPickMany: true, placeHolder: 'With several, each is applied in turn and the lab runs under each' },
      );
      if (!picked) return undefined;
      profileNames = picked.map((p) => p.label);
    }
    if (chosen.workload.profile && !profileNames.length) profileNames = [chosen.workload.profile];
    return this.runUnder(profileNames, chosen.workload, chosen.prompt, n, { confirm: !opts.yes });
  }

  /**
   * The lab under each profile in turn (or as things are), through the core's one driver: what was in force before
   * (config bytes, recorded profile, LM Studio's loads) comes back at the end, also after a cancel or a failure.
   */
  private async runUnder(profiles: readonly string[], workload: Workload, prompt: string, n: number, o: { confirm?: boolean; resume?: Session } = {}): Promise<Session | undefined> {
    const env = await editorLabEnv(this.ctx, 'the lab takes the model and its server from it');
    if (!env) return undefined;
    const root = this.labDir();
    const title = `Run Lab ×${o.resume?.repeats ?? n}: ${workload.name}${profiles.length ? ` under ${profiles.join(', ')}` : ''}`;
    this.running = true;
    try {
      // The operation's signal ends with Cancel and when the extension stops; its failure is shown once.
      const out = await this.ctx.operation(title, ({ signal, report }) => {
        let last: { seconds: number; problem?: string } | undefined;
        let current: Session | undefined;
        return runLabUnderProfiles({
          env,
          profiles,
          resume: o.resume,
          workload,
          prompt,
          n,
          root,
          cwd: path.dirname(root),
          signal,
          confirm: o.confirm ? (plan, arm) => this.profiles.confirmPlan(arm.name, plan) : undefined,
          report: { step: (m) => (this.ctx.log.info(`lab: ${m}`), report({ message: m })) },
          onSession: (session) => (current = session),
          onStart: (i, total) => report({ message: dispatchProgress(i + 1, total, 'running', last) }),
          onDispatch: (r, done, total) => {
            last = { seconds: r.wallMs / 1000, ...(r.completed ? {} : { problem: r.errorKind ?? 'expectations not met' }) };
            report({ message: dispatchProgress(done, total, 'done', last), increment: 100 / total });
            this.sessionsChanged.fire();
            // The panel follows the running session: a point appears as each dispatch lands.
            if (current && (done === 1 || !this.panel.showing(current.id))) this.panel.show([current.id]);
            else if (current) this.panel.update(current.id);
          },
        });
      }, { failure: (e) => labFailure('The lab', e) });
      if (!out) return undefined;
      let lastSession: Session | undefined;
      for (const a of out.arms) {
        if (!a.result) continue;
        const { session, dispatches } = a.result;
        lastSession = session;
        const sum = summarizeSession(dispatches);
        const under = a.arm.plan ? ` under ${a.arm.name}` : '';
        const text = `${workload.name} ×${dispatches.length}${under}: median ${sum.seconds?.median.toFixed(2) ?? '—'} s, completed ${Math.round(100 * sum.completed.value)} %${sum.split.split ? `, ${sum.split.slow.length} slow of ${sum.n}${sum.split.tentative ? ' (tentative: run more before comparing)' : ''}` : ''}${session.status === 'cancelled' ? ' (cancelled; finished dispatches kept)' : ''}.`;
        this.ctx.log.info(`lab ${session.id}: ${text}`);
        void vscode.window.showInformationMessage(text, 'Open Session').then((p) => p && this.open(session.id));
      }
      const failed = out.arms.find((a) => a.error && a.error !== 'declined')?.error ?? (out.status === 'failed' ? out.error : undefined);
      if (failed) {
        const msg = out.arms.some((a) => a.error === failed) ? `Cannot run the lab under ${out.arms.find((a) => a.error === failed)!.arm.name}: ${failed}` : labFailure('The lab', out.cause ?? new Error(failed));
        this.ctx.log.error(msg);
        showError(this.ctx.log, msg, out.cause);
      }
      sayRestored(this.ctx, 'Lab', out.restore, out.profileBefore);
      return lastSession;
    } finally {
      this.running = false;
      this.sessionsChanged.fire();
      await this.ctx.refresh({ inspectServers: true, validate: true });
    }
  }

  private async pickSession(title: string, filter: (s: Session, done: number) => boolean): Promise<string | undefined> {
    const sessions = listSessions(this.labDir()).filter((s) => filter(s.session, s.dispatches.length)).reverse();
    if (!sessions.length) {
      void vscode.window.showInformationMessage(`No lab sessions here (${path.join(this.labDir(), 'runs')}).`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      sessions.map((s) => ({ label: s.session.id, description: `${s.session.workload.name} · ${s.session.status} · ${s.dispatches.length}/${s.session.repeats}` })),
      { title },
    );
    return pick?.label;
  }

  async resume(id?: string): Promise<Session | undefined> {
    id ??= await this.pickSession('Resume Lab Session', (s, done) => done < s.repeats);
    if (!id) return undefined;
    const { session } = readSession(this.labDir(), id);
    return this.runUnder([], parseWorkload(session.workload, `${id}/session.json`), resumedPrompt(session), session.repeats, { resume: session });
  }

  async open(id?: string): Promise<void> {
    id ??= await this.pickSession('Open Lab Session', () => true);
    if (id) this.panel.show([id]);
  }
}
