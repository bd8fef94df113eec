import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { command, str } from './commands.js';
import type { Ctx } from './ctx.js';
import { PROPOSED_SCHEME, type ProposedConfigProvider } from './proposed.js';
import { editorLabEnv, labFailure, sayRestored } from './labEnv.js';
import type { LabEnv } from '../core/lab/look.js';
import { PROMPT_SECTIONS_WORKLOAD, promptSectionsLines, runPromptSectionsProbe, type PromptSectionsReport } from '../core/lab/experiments/promptSections.js';
import { runCodewordProbe, type CodewordSession } from '../core/lab/experiments/codewordRun.js';
import { CODEWORD_WORKLOAD } from '../core/lab/experiments/codewords.js';
import { AGENT_ID } from '../core/lab/workloadSchema.js';
import type { LabController } from './lab.js';
import type { ProfileController } from './profiles.js';

/**
 * What both probes share: a trusted workspace (they run openclaw), the lab's env, one progress notification with
 * cancel, and one way to say a failure. `run` does the probe through its core workflow; undefined when it did not run.
 */
async function withProbe<T>(ctx: Ctx, o: { probe: string; runs: string; title: string }, run: (env: LabEnv, signal: AbortSignal, progress: vscode.Progress<{ message?: string }>) => Promise<T | undefined>): Promise<T | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`The ${o.probe} probe is off in an untrusted workspace: it runs openclaw. Trust the workspace to run it.`);
    return undefined;
  }
  const env = await editorLabEnv(ctx, `the probe runs ${o.runs} with it`);
  if (!env) return undefined;
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: o.title, cancellable: true }, (progress, cancel) => {
      const abort = new AbortController();
      cancel.onCancellationRequested(() => abort.abort());
      return run(env, abort.signal, progress);
    });
  } catch (err) {
    const msg = labFailure('The probe', err);
    ctx.log.error(msg);
    void vscode.window.showErrorMessage(msg);
    return undefined;
  }
}

const AgentId = z.optional(z.string().check(z.regex(AGENT_ID, 'an OpenClaw agent id')));
const PromptSectionsOptions = z.strictObject({ agent: AgentId });

/** **Local AI Lab: Probe Prompt Sections** — the CLI's `probe prompt-sections`, shown as a read-only report. */
export function registerProbe(ctx: Ctx, proposed: ProposedConfigProvider): vscode.Disposable {
  return command('localAiLab.probePromptSections', z.tuple([z.optional(PromptSectionsOptions)]), async (opts): Promise<PromptSectionsReport | undefined> => {
    const agent = opts?.agent ?? 'main';
    return withProbe(ctx, { probe: 'prompt-sections', runs: 'one OpenClaw turn', title: `Probing the prompt sections of agent ${agent}` }, async (env, signal) => {
      const r = await runPromptSectionsProbe({ env, agent, timeoutMs: PROMPT_SECTIONS_WORKLOAD.timeoutSeconds * 1000, signal });
      if (r.error) {
        void vscode.window.showErrorMessage(`The probe turn failed: ${r.error}`);
        return undefined;
      }
      const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/probe/prompt-sections-${agent}.md` });
      proposed.set(uri, ['# Prompt sections', '', '```', ...promptSectionsLines(r.report), '```', '', '## What the model reported', '', r.reply].join('\n'));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
      if (r.report.findings.length) void vscode.window.showWarningMessage(r.report.findings.join(' · '));
      return r.report;
    });
  });
}

const CodewordOptions = z.strictObject({
  agent: AgentId,
  n: z.optional(z.int().check(z.gte(1), z.lte(100))),
  /** Run under this profile; the state from before comes back when the probe ends. */
  profile: z.optional(str(200)),
  /** Apply that profile without the confirmation (scripts, tests). */
  yes: z.optional(z.boolean()),
  /** Filler turns at most before giving up on a compaction (default 6). */
  maxGrowth: z.optional(z.int().check(z.gte(1), z.lte(50))),
});

/** **Local AI Lab: Probe Codeword Survival** — the CLI's `probe codewords`: the survival matrix per session, in the Lab panel. */
export function registerCodewordProbe(ctx: Ctx, lab: LabController, profiles: ProfileController): vscode.Disposable {
  return command('localAiLab.probeCodewords', z.tuple([z.optional(CodewordOptions)]), async (opts): Promise<CodewordSession[] | undefined> => {
    const agent = opts?.agent ?? 'main';
    let profile = opts?.profile;
    if (!opts) {
      // From the palette: as things are, or under one of the profiles (applied first, put back at the end).
      const pick = await vscode.window.showQuickPick([{ label: '$(circle-slash) As things are', name: undefined as string | undefined }, ...profiles.targets().map((t) => ({ label: t.name, description: t.description, name: t.name as string | undefined }))], {
        title: 'Probe Codeword Survival: under which profile?',
      });
      if (!pick) return undefined;
      profile = pick.name;
    }
    const n = opts?.n ?? 1;
    const out = await withProbe(ctx, { probe: 'codeword', runs: 'OpenClaw turns', title: `Codeword survival (agent ${agent}${profile ? `, under ${profile}` : ''})` }, (env, signal, progress) =>
      runCodewordProbe({
        env,
        agent,
        n,
        maxGrowthTurns: opts?.maxGrowth,
        timeoutMs: CODEWORD_WORKLOAD.timeoutSeconds * 1000,
        root: lab.labDir(),
        profile,
        signal,
        confirm: opts?.yes ? undefined : (plan, arm) => profiles.confirmPlan(arm.name, plan),
        report: {
          step: (m) => (ctx.log.info(`codeword probe: ${m}`), progress.report({ message: m })),
          turn: (i, of, what) => progress.report({ message: `session ${i + 1} of ${of}: ${what}` }),
        },
      }),
    );
    if (profile) await ctx.refresh({ probe: true, validate: true });
    if (!out) return undefined;
    const failed = out.outcome.arms.find((a) => a.error && a.error !== 'declined')?.error ?? (out.outcome.status === 'failed' ? out.outcome.error : undefined);
    if (failed) void vscode.window.showErrorMessage(profile && out.outcome.arms.some((a) => a.error) ? `Cannot probe under ${profile}: ${failed}` : labFailure('The probe', out.outcome.cause ?? new Error(failed)));
    sayRestored(ctx, 'Codeword probe', out.outcome.restore, out.outcome.profileBefore);
    // Recorded like a lab session (the CLI writes the same file), then shown in the Lab panel.
    if (out.sessions.length) lab.panel.showCodewords(out.id);
    const errors = out.sessions.filter((s) => s.error);
    if (errors.length) void vscode.window.showWarningMessage(`Codeword probe: ${errors.length} of ${out.sessions.length} session(s) did not finish (${errors[0]!.error}).`);
    return [...out.sessions];
  });
}
