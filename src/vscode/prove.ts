import path from 'node:path';
import * as vscode from 'vscode';
import type { ProveArgs } from './commands.js';
import type { Ctx } from './ctx.js';
import type { LabController } from './lab.js';
import { editorLabEnv, labFailure } from './labEnv.js';
import { showError } from './frame.js';
import { ConfigRejected } from '../core/lab/session.js';
import { DEFAULT_PROVE_N, defaultProveWorkload, ProveError, runProve } from '../core/lab/experiments/prove.js';
import { measuredLine } from '../core/evidence.js';

/**
 * **Measure this fix on my machine** — the CLI's `lab prove`: the config as it is against the finding's preferred fix,
 * n dispatches each, the state from before restored; the two sessions in the Lab panel, the verdict stored as evidence.
 */
export class ProveController {
  private running = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly lab: LabController,
  ) {}

  /** Resolves with the fix arm's session id, or undefined when nothing ran (the command table checked trust). */
  async run(args: ProveArgs): Promise<string | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('A proof is already running; cancel it from its notification first.');
      return undefined;
    }
    // The workload decides what is measured: asked each time (unless a script names it), the default first (grow-context for a compaction rule).
    const chosen = await this.lab.pickWorkload(args.workload, `Measure the ${args.rule} fix: choose a workload`, defaultProveWorkload(args.rule));
    if (!chosen) return undefined;
    const env = await editorLabEnv(this.ctx, 'the proof applies the fix to it');
    if (!env) return undefined;
    const n = args.n ?? DEFAULT_PROVE_N;
    if (!args.yes) {
      const go = await vscode.window.showInformationMessage(
        `Measure the ${args.rule} fix: run ${chosen.workload.name} ${n} times as the config is, then ${n} times with the fix applied? openclaw.json is backed up; the state from now is restored at the end, also after cancel or failure.`,
        'Measure',
      );
      if (go !== 'Measure') return undefined;
    }
    const root = this.lab.labDir();
    this.running = true;
    try {
      const done = await this.ctx.operation(
        `Measuring the ${args.rule} fix`,
        ({ signal, report }) =>
          runProve({
            env,
            rule: args.rule,
            path: args.path,
            workload: chosen.workload,
            prompt: chosen.prompt,
            n,
            root,
            cwd: path.dirname(root),
            signal,
            report: { arm: (name) => report({ message: name }), step: (m) => (this.ctx.log.info(`prove: ${m}`), report({ message: m })) },
            onStart: (i) => report({ message: `dispatch ${i + 1} of ${n}` }),
          }),
        { failure: (e) => (e instanceof ProveError ? e.message : labFailure('The proof', e)) },
      );
      if (!done) return undefined;
      const [a, b] = [done.asIs, done.fix];
      if (a && b) this.lab.panel.show([a.session.id, b.session.id]);
      const restored = !done.outcome.restore || done.outcome.restore.ok ? 'The state from before is restored.' : `The state from before was NOT restored: ${done.outcome.restore.error}`;
      const text = done.evidence ? `${measuredLine(done.evidence)} ${restored}` : `The proof did not finish (${done.outcome.error ?? done.outcome.status}). ${restored}`;
      this.ctx.log.info(text);
      // A config OpenClaw rejects: the error carries the way to the fix (Make Config Valid).
      if ((done.outcome.restore && !done.outcome.restore.ok) || done.outcome.cause instanceof ConfigRejected) showError(this.ctx.log, text, done.outcome.cause);
      else void vscode.window.showInformationMessage(text);
      return b?.session.id;
    } finally {
      this.running = false;
      await this.ctx.refresh({ inspectServers: true, validate: true });
    }
  }
}
