import path from 'node:path';
import * as vscode from 'vscode';
import type { SweepOptions } from './commands.js';
import type { Ctx } from './ctx.js';
import type { LabController } from './lab.js';
import type { ProfileController } from './profiles.js';
import { editorLabEnv, labFailure } from './labEnv.js';
import { showError } from './frame.js';
import { ConfigRejected } from '../core/lab/session.js';
import { readSession } from '../core/lab/records/store.js';
import { planVariants, type SweepKnob } from '../core/lab/experiments/sweep.js';
import { readSweepRecord, runSweep } from '../core/lab/experiments/sweepRun.js';
import { sweepComparison } from '../core/lab/view/sweepView.js';
import { look } from '../core/lab/look.js';
import type { CheckedFile } from '../core/sources.js';

/** **Local AI Lab: Run Isolation Sweep…** — the CLI's `lab sweep`, with progress, cancel and the panel. */
/** A running sweep ends with the extension: its operation's signal is the extension's lifetime. */
export class SweepController {
  private running = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly profiles: ProfileController,
    private readonly lab: LabController,
  ) {}

  /** Resolves with the sweep record's id, or undefined when nothing ran (the command table checked trust). */
  async run(opts: SweepOptions): Promise<string | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('A sweep is already running; cancel it from its notification first.');
      return undefined;
    }
    const chosen = await this.lab.pickWorkload(opts.workload, 'Run Isolation Sweep: choose a workload');
    if (!chosen) return undefined;
    const env = await editorLabEnv(this.ctx, 'the sweep applies profiles to it');
    if (!env) return undefined;
    let disk: CheckedFile;
    try {
      disk = await look(env);
    } catch (err) {
      void vscode.window.showErrorMessage(`Cannot run the sweep: ${labFailure('Reading the config', err)}`);
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
    // Knobs named by the command's caller: `compactor` among them makes the compactor comparison, as `--knobs` does.
    const proxies = (env.proxies ?? []).map((p) => p.name);
    let plan = planVariants(base, disk.observation, opts.knobs as SweepKnob[] | undefined, { compactorGrid: opts.knobs?.includes('compactor') ?? false, proxies });
    if (!opts.knobs) {
      // The declared proxies are offered too (the transport knob), unchecked: they are swept alone, under the base.
      const transport = proxies.length ? planVariants(base, disk.observation, ['transport'], { proxies }).variants : [];
      const picks = await vscode.window.showQuickPick(
        [
          ...plan.variants.map((v) => ({ label: v.name, description: `${v.knob}: ${v.from ?? 'none'} → ${v.to ?? 'none'}`, picked: true, knob: v.knob as SweepKnob | undefined })),
          ...transport.map((v) => ({ label: v.name, description: `transport: direct → proxy ${v.to} (swept alone)`, picked: false, knob: v.knob as SweepKnob | undefined })),
          ...plan.skipped.map((s) => ({ label: `$(circle-slash) ${s.knob}`, description: s.reason, picked: false, knob: undefined })),
        ],
        { title: `Run Isolation Sweep from ${base.name}: the variants`, canPickMany: true },
      );
      if (!picks) return undefined;
      const knobs = [...new Set(picks.flatMap((p) => (p.knob ? [p.knob] : [])))];
      if (knobs.includes('transport') && knobs.length > 1) {
        void vscode.window.showErrorMessage('The transport variants compare proxies under one profile: pick them alone, without the other knobs.');
        return undefined;
      }
      plan = planVariants(base, disk.observation, knobs, { proxies });
      if (knobs.includes('transport')) plan = { ...plan, variants: plan.variants.filter((v) => picks.some((p) => p.label === v.name)) };
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
    const showInPanel = (id: string) => {
      const c = sweepComparison(readSweepRecord(root, id), (sid) => readSession(root, sid).dispatches);
      if (c.sessionIds.length) this.lab.panel.show(c.sessionIds, { title: c.title, lines: c.differences, labels: c.labels });
    };
    this.running = true;
    try {
      // The operation's signal ends with Cancel and when the extension stops; its failure is shown once.
      const done = await this.ctx.operation(`Isolation sweep from ${base.name}`, ({ signal, report }) => {
        const total = (plan.variants.length + 1) * n!;
        let arm = 'base';
        return runSweep({
          env,
          first: disk,
          plan,
          workload: chosen.workload,
          prompt: chosen.prompt,
          n: n!,
          root,
          cwd: path.dirname(root),
          signal,
          report: {
            arm: (name, i, count) => ((arm = name), report({ message: `${name} (${i + 1} of ${count}): applying` })),
            step: (m) => (this.ctx.log.info(`sweep ${arm}: ${m}`), report({ message: m })),
            dispatchStart: (i) => report({ message: `${arm}: dispatch ${i + 1} of ${n}` }),
            dispatchEnd: () => report({ increment: 100 / total }),
          },
          onRecord: (r) => r.arms.some((a) => a.session) && showInPanel(r.id),
        });
      }, { failure: (e) => labFailure('The sweep', e) });
      if (!done) return undefined;
      const { id, outcome } = done;
      showInPanel(id);
      for (const st of outcome.restore.steps) this.ctx.log.info(`sweep restore: ${st}`);
      const restored = outcome.restore.ok ? 'The state from before is restored.' : `The state from before was NOT restored: ${outcome.restore.error}`;
      const text = `Sweep from ${base.name}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}. ${restored}`;
      this.ctx.log.info(text);
      // A config OpenClaw rejects: the error carries the way to the fix (Make Config Valid).
      if (outcome.cause instanceof ConfigRejected || !outcome.restore.ok) showError(this.ctx.log, text, outcome.cause);
      else void vscode.window.showInformationMessage(text);
      return id;
    } finally {
      this.running = false;
      await this.ctx.refresh({ inspectServers: true, validate: true });
    }
  }
}
