import path from 'node:path';
import * as vscode from 'vscode';
import type { SweepOptions } from './commands.js';
import type { Ctx } from './ctx.js';
import type { LabController } from './lab.js';
import type { ProfileController } from './profiles.js';
import { readSettings } from './settings.js';
import { LabPreflightError } from '../core/lab/session.js';
import { newSessionId, readSession, SessionLocked } from '../core/lab/records/store.js';
import { planArm, planVariants, type SweepKnob } from '../core/lab/experiments/sweep.js';
import { readSweepRecord, restoreSnapshot, runArmSession, runSweep, sweepRecord, takeSnapshot, writeSweepRecord, type ArmResult } from '../core/lab/experiments/sweepRun.js';
import { sweepComparison } from '../core/lab/view/sweepView.js';
import { sha256 } from '../core/fsutil.js';
import { formatVersion } from '../core/openclaw/version.js';
import { applyPlan } from '../core/profiles/apply.js';
import { readBoundedSync } from '../core/read.js';
import { inspectServers } from '../core/sources.js';

/** **Local AI Lab: Run Isolation Sweep…** — the CLI's `lab sweep`, with progress, cancel and the panel. */
export class SweepController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private running: AbortController | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly profiles: ProfileController,
    private readonly lab: LabController,
  ) {}

  dispose(): void {
    this.running?.abort();
    for (const d of this.disposables.reverse()) d.dispose();
  }

  /** Resolves with the sweep record's id, or undefined when nothing ran (the command table checked trust). */
  async run(opts: SweepOptions): Promise<string | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('A sweep is already running; cancel it from its notification first.');
      return undefined;
    }
    const chosen = await this.lab.pickWorkload(opts.workload, 'Run Isolation Sweep: choose a workload');
    if (!chosen) return undefined;
    await this.ctx.refresh({ inspectServers: true });
    const located = this.ctx.state.located;
    const disk = await this.ctx.checkDisk().catch((err: Error) => {
      void vscode.window.showErrorMessage(`Cannot run the sweep: ${err.message}`);
      return undefined;
    });
    if (!disk || !located) {
      void vscode.window.showErrorMessage('No openclaw.json: the sweep applies profiles to it.');
      return undefined;
    }
    let baseName = opts.base;
    if (!baseName) {
      const pick = await vscode.window.showQuickPick(
        this.profiles.targets().map((t) => ({ label: t.name, description: t.description })),
        { title: 'Run Isolation Sweep: the base profile (each variant pulls one of its knobs toward the OpenClaw default)' },
      );
      if (!pick) return undefined;
      baseName = pick.label;
    }
    const base = disk.profiles.targets.find((t) => t.name === baseName);
    if (!base) {
      void vscode.window.showErrorMessage(`No profile "${baseName}".`);
      return undefined;
    }
    let plan = planVariants(base, disk.observation, opts.knobs as SweepKnob[] | undefined);
    if (!opts.knobs) {
      const picks = await vscode.window.showQuickPick(
        [
          ...plan.variants.map((v) => ({ label: v.name, description: `${v.knob}: ${v.from ?? 'none'} → ${v.to ?? 'none'}`, picked: true, knob: v.knob as SweepKnob | undefined })),
          ...plan.skipped.map((s) => ({ label: `$(circle-slash) ${s.knob}`, description: s.reason, picked: false, knob: undefined })),
        ],
        { title: `Run Isolation Sweep from ${base.name}: the variants`, canPickMany: true },
      );
      if (!picks) return undefined;
      plan = planVariants(base, disk.observation, picks.flatMap((p) => (p.knob ? [p.knob] : [])));
    }
    if (!plan.variants.length) {
      void vscode.window.showInformationMessage(`Nothing to sweep from ${base.name}: ${plan.skipped.map((s) => `${s.knob} (${s.reason})`).join('; ') || 'no variant chosen'}.`);
      return undefined;
    }
    let n = opts.n;
    if (n === undefined) {
      const text = await vscode.window.showInputBox({
        title: `Run Isolation Sweep from ${base.name}: dispatches per arm`,
        prompt: `The base and each of ${plan.variants.length} variant(s) run this many times (${plan.variants.length + 1} arms in all). One timed run means nothing; 6 is the least that shows a fast/slow split.`,
        value: '6',
        validateInput: (v) => (/^\d+$/.test(v) && +v >= 1 && +v <= 1000 ? undefined : 'a whole number from 1 to 1000'),
      });
      if (!text) return undefined;
      n = Number(text);
    }
    if (!opts.yes) {
      const go = await vscode.window.showInformationMessage(
        `Run ${chosen.workload.name} ${n} times under ${base.name} and under each of ${plan.variants.length} variants (${plan.variants.map((v) => v.name).join(', ')})? Each applies its profile (openclaw.json is backed up, models may load); the state from now is restored at the end, also after cancel or failure.`,
        'Run Sweep',
      );
      if (go !== 'Run Sweep') return undefined;
    }

    const root = this.lab.labDir();
    const file = located.path;
    const token = await this.ctx.lmStudioToken();
    const providers = disk.observation.model.providers;
    const reprobe = () => inspectServers(providers, { timeoutMs: 1500, lmStudioToken: token });
    const snapshot = takeSnapshot(file, disk.read.bytes, this.ctx.state.runtimes);
    const openclawVersion = disk.observation.versionSource === 'assumed' ? null : formatVersion(disk.observation.version);
    const id = newSessionId(`sweep-${chosen.workload.name}`);
    const startedAt = new Date().toISOString();
    const touched = new Set<string>();
    const arms: ArmResult[] = [];
    let lastWrittenHash: string | undefined;
    const workload = chosen.workload;
    const prompt = chosen.prompt;
    const record = (status: 'running' | 'complete' | 'cancelled' | 'failed', a: readonly ArmResult[]) => writeSweepRecord(root, sweepRecord(id, workload.name, plan, openclawVersion, n, startedAt, status, a));
    const showInPanel = () => {
      const c = sweepComparison(readSweepRecord(root, id), (sid) => readSession(root, sid).dispatches);
      if (c.sessionIds.length) this.lab.panel.show(c.sessionIds, { title: c.title, lines: c.differences, labels: c.labels });
    };
    record('running', arms);
    const abort = new AbortController();
    this.running = abort;
    try {
      const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Isolation sweep from ${base.name}`, cancellable: true }, (progress, cancel) => {
        cancel.onCancellationRequested(() => abort.abort());
        const total = (plan.variants.length + 1) * n;
        return runSweep(
          plan,
          {
            onArm: (arm, i, count) => progress.report({ message: `${arm.name} (${i + 1} of ${count}): applying` }),
            apply: async (arm, signal) => {
              await this.ctx.refresh({ inspectServers: true });
              const now = await this.ctx.checkDisk();
              if (!now) return { ok: false, error: 'openclaw.json cannot be read' };
              const p = planArm(arm.variant?.target ?? plan.base, now.observation, arm.variant?.unset);
              if (p.blocked) return { ok: false, error: p.blocked };
              for (const a of p.actions) if (a.kind === 'load') touched.add(a.modelKey);
              const r = await applyPlan(p, { expectedHash: now.read.hash, signal, lmStudioToken: token, reprobe });
              for (const st of r.steps) this.ctx.log.info(`sweep ${arm.name}: ${st}`);
              const after = readBoundedSync(file);
              if (after) lastWrittenHash = sha256(after);
              return r.ok ? { ok: true } : { ok: false, error: r.error };
            },
            run: async (arm, signal) => {
              await this.ctx.refresh({ inspectServers: true });
              const now = (await this.ctx.checkDisk())!;
              const r = await runArmSession({
                observation: now.observation,
                bytes: now.read.bytes,
                workload,
                prompt,
                n,
                arm,
                baseName: plan.base.name,
                sweepId: id,
                root,
                configPath: file,
                openclawExecutable: readSettings().openclawExecutable,
                allowHosted: readSettings().labAllowHosted,
                signal,
                cwd: path.dirname(root),
                onStart: (i) => progress.report({ message: `${arm.name}: dispatch ${i + 1} of ${n}` }),
                onDispatch: () => progress.report({ increment: 100 / total }),
              });
              arms.push({ arm, session: r.session, dispatches: r.dispatches });
              record('running', arms);
              showInPanel();
              return r;
            },
            restore: async () => {
              progress.report({ message: 'restoring the state from before the sweep' });
              return restoreSnapshot(snapshot, { lastWrittenHash, reprobe, touched, lmStudioToken: token });
            },
          },
          abort.signal,
        );
      });
      record(outcome.status, outcome.arms);
      showInPanel();
      for (const st of outcome.restore.steps) this.ctx.log.info(`sweep restore: ${st}`);
      const restored = outcome.restore.ok ? 'The state from before is restored.' : `The state from before was NOT restored: ${outcome.restore.error}`;
      const text = `Sweep from ${base.name}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}. ${restored}`;
      this.ctx.log.info(text);
      if (outcome.restore.ok) void vscode.window.showInformationMessage(text);
      else void vscode.window.showErrorMessage(text, 'Show Logs').then((p) => p && this.ctx.log.show());
      return id;
    } catch (err) {
      const msg = err instanceof LabPreflightError || err instanceof SessionLocked ? err.message : `The sweep failed: ${(err as Error).message}`;
      this.ctx.log.error(msg);
      void vscode.window.showErrorMessage(msg, 'Show Logs').then((p) => p && this.ctx.log.show());
      return undefined;
    } finally {
      this.running = undefined;
      await this.ctx.refresh({ inspectServers: true, validate: true });
    }
  }
}
