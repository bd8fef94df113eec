import * as vscode from 'vscode';
import { showError } from './frame.js';
import type { CodewordOptions, ProbeOptions, WireProbeOptions } from './commands.js';
import type { Ctx } from './ctx.js';
import { PROPOSED_SCHEME, type ProposedConfigProvider } from './proposed.js';
import { editorLabEnv, labFailure, sayRestored } from './labEnv.js';
import { PROMPT_SECTIONS_WORKLOAD, promptSectionsLines, runPromptSectionsProbe, type PromptSectionsReport } from '../core/lab/experiments/promptSections.js';
import { runCodewordProbe, type CodewordSession } from '../core/lab/experiments/codewordRun.js';
import { CODEWORD_WORKLOAD } from '../core/lab/experiments/codewords.js';
import type { LabController } from './lab.js';
import type { ProbeKind } from '../core/lab/view/probeView.js';
import type { ProbeRecordLike } from '../core/lab/probes/module.js';
import { wireProbe } from '../core/lab/probes/registry.js';
import type { ArmSpec, ExperimentOutcome } from '../core/lab/experiments/driver.js';
import type { ProfileController } from './profiles.js';

/** **Local AI Lab: Probe Prompt Sections** — the CLI's `probe prompt-sections` (the same core), shown as a read-only report. */
export async function probePromptSections(ctx: Ctx, proposed: ProposedConfigProvider, opts?: ProbeOptions): Promise<PromptSectionsReport | undefined> {
  const agent = opts?.agent ?? 'main';
  const env = await editorLabEnv(ctx, 'the probe runs one OpenClaw turn with it');
  if (!env) return undefined;
  const r = await ctx.operation(`Probing the prompt sections of agent ${agent}`, ({ signal }) => runPromptSectionsProbe({ env, agent, timeoutMs: PROMPT_SECTIONS_WORKLOAD.timeoutSeconds * 1000, signal }), { failure: (e) => labFailure('The probe', e) });
  if (!r) return undefined;
  if (r.error) {
    void vscode.window.showErrorMessage(`The probe turn failed: ${r.error}`);
    return undefined;
  }
  const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/probe/prompt-sections-${agent}.md` });
  proposed.set(uri, ['# Prompt sections', '', '```', ...promptSectionsLines(r.report), '```', '', '## What the model reported', '', r.reply].join('\n'));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
  if (r.report.findings.length) void vscode.window.showWarningMessage(r.report.findings.join(' · '));
  return r.report;
}

/**
 * **Local AI Lab: Probe Codeword Survival** — the CLI's `probe codewords` (the same core): as things are or under a profile
 * (applied first, the state from before put back at the end); the survival matrix per session, in the Lab panel.
 */
export async function probeCodewords(ctx: Ctx, lab: LabController, profiles: ProfileController, opts?: CodewordOptions): Promise<CodewordSession[] | undefined> {
  const agent = opts?.agent ?? 'main';
  const under = await underWhichProfile(profiles, 'Probe Codeword Survival', opts);
  if (!under) return undefined;
  const { profile } = under;
  const env = await editorLabEnv(ctx, 'the probe runs OpenClaw turns with it');
  if (!env) return undefined;
  const n = opts?.n ?? 1;
  const out = await ctx.operation(
    `Codeword survival (agent ${agent}${profile ? `, under ${profile}` : ''})`,
    ({ signal, report }) =>
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
          step: (m) => (ctx.log.info(`codeword probe: ${m}`), report({ message: m })),
          turn: (i, of, what) => report({ message: `session ${i + 1} of ${of}: ${what}` }),
        },
      }),
    { failure: (e) => labFailure('The probe', e) },
  );
  if (profile) await ctx.refresh({ inspectServers: true, validate: true });
  if (!out) return undefined;
  sayProbeEnd(ctx, 'Codeword probe', profile, out.outcome);
  // Recorded like a lab session (the CLI writes the same file), then shown in the Lab panel.
  if (out.sessions.length) lab.panel.showCodewords(out.id);
  const errors = out.sessions.filter((s) => s.error);
  if (errors.length) void vscode.window.showWarningMessage(`Codeword probe: ${errors.length} of ${out.sessions.length} session(s) did not finish (${errors[0]!.error}).`);
  return [...out.sessions];
}

/**
 * **Local AI Lab: Probe Prompt-Cache Reuse / Probe Tool Calling / Probe Usable Context** — the CLI's
 * `probe prefix-stability|tools|fill` (the same core, its defaults): as things are or under a profile (applied
 * first, the state from before put back at the end), with progress and cancel; the result in the Lab panel.
 */
export async function probeOverWire(ctx: Ctx, lab: LabController, profiles: ProfileController, kind: ProbeKind, opts?: WireProbeOptions): Promise<ProbeRecordLike | undefined> {
  const probe = wireProbe(kind);
  const agent = opts?.agent ?? 'main';
  const under = await underWhichProfile(profiles, probe.title, opts);
  if (!under) return undefined;
  const { profile } = under;
  const env = await editorLabEnv(ctx, 'the probe runs OpenClaw turns with it');
  if (!env) return undefined;
  const out = await ctx.operation(
    `${probe.title} (agent ${agent}${profile ? `, under ${profile}` : ''})`,
    ({ signal, report }) =>
      probe.run({
        env,
        agent,
        timeoutMs: PROBE_TURN_TIMEOUT_S * 1000,
        root: lab.labDir(),
        profile,
        signal,
        confirm: opts?.yes ? undefined : (plan, arm) => profiles.confirmPlan(arm.name, plan),
        report: {
          step: (m) => (ctx.log.info(`${kind} probe: ${m}`), report({ message: m })),
          turn: (what) => report({ message: what }),
        },
      }),
    { failure: (e) => labFailure('The probe', e) },
  );
  if (profile) await ctx.refresh({ inspectServers: true, validate: true });
  if (!out) return undefined;
  sayProbeEnd(ctx, probe.title, profile, out.outcome);
  if (!out.record) return undefined;
  // Recorded like a lab session (the CLI writes the same file), then shown in the Lab panel.
  lab.panel.showProbe(out.id);
  const rec = probe.read(lab.labDir(), out.id);
  if (!rec.error && !probe.good(rec)) void vscode.window.showWarningMessage(`${probe.title}: ${probe.summary(rec)}`);
  return rec;
}

/**
 * Under which profile a probe runs: the command's own option, or (called with no options, from the palette) the
 * person's pick of "as things are" or a profile. Undefined when they dismissed the question.
 */
async function underWhichProfile(profiles: ProfileController, title: string, opts: { profile?: string } | undefined): Promise<{ profile: string | undefined } | undefined> {
  if (opts) return { profile: opts.profile };
  const pick = await vscode.window.showQuickPick([{ label: '$(circle-slash) As things are', name: undefined as string | undefined }, ...profiles.targets().map((t) => ({ label: t.name, description: t.description, name: t.name as string | undefined }))], {
    title: `${title}: under which profile?`,
  });
  return pick ? { profile: pick.name } : undefined;
}

/** Why a probe did not finish (its profile not applied, or the run failing), and whether the state from before is back. */
function sayProbeEnd(ctx: Ctx, title: string, profile: string | undefined, outcome: ExperimentOutcome<ArmSpec, unknown>): void {
  const failed = outcome.arms.find((a) => a.error && a.error !== 'declined')?.error ?? (outcome.status === 'failed' ? outcome.error : undefined);
  if (failed) showError(ctx.log, profile && outcome.arms.some((a) => a.error) ? `Cannot probe under ${profile}: ${failed}` : labFailure('The probe', outcome.cause ?? new Error(failed)), outcome.cause);
  sayRestored(ctx, title, outcome.restore, outcome.profileBefore);
}

/** Per OpenClaw turn (the CLI's --timeout default). */
const PROBE_TURN_TIMEOUT_S = 600;
