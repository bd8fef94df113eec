import * as vscode from 'vscode';
import type { CodewordOptions, ProbeOptions } from './commands.js';
import type { Workload } from '../core/lab/workloadSchema.js';
import type { Ctx } from './ctx.js';
import { PROPOSED_SCHEME, type ProposedConfigProvider } from './proposed.js';
import { readSettings } from './settings.js';
import { analyzePromptSections, existingWorkspaceFiles, PROMPT_SECTIONS_WORKLOAD, promptSectionsLines, runPromptSectionsTurn, workspaceFromConfig, type PromptSectionsReport } from '../core/lab/experiments/promptSections.js';
import { LabPreflightError, openAiTarget, preflight, resolveTransport } from '../core/lab/session.js';
import { toValue } from '../core/openclaw/document.js';
import { codewordRecord, runCodewordSession, writeCodewordRecord, type CodewordSession } from '../core/lab/experiments/codewordRun.js';
import { CODEWORD_WORKLOAD } from '../core/lab/experiments/codewords.js';
import { newSessionId } from '../core/lab/records/store.js';
import type { LabController } from './lab.js';

/** The config as the editor last checked it from disk. */
type DiskCheck = NonNullable<Awaited<ReturnType<Ctx['checkDisk']>>>;

/**
 * What both probes share (the command table checked trust: they run openclaw): the servers probed again, the config on disk, the
 * model's endpoint answering (in about two seconds, not OpenClaw's ninety), the transport; and one way to say a failure.
 * `run` gets those and does the probe's own turns; undefined when something was missing (it was said).
 */
async function withProbe<T>(ctx: Ctx, o: { probe: string; runs: string; workload: Workload }, run: (disk: DiskCheck, file: string, transport: 'local' | 'gateway') => Promise<T | undefined>): Promise<T | undefined> {
  await ctx.refresh({ inspectServers: true });
  const disk = await ctx.checkDisk().catch(() => undefined);
  const file = ctx.state.located?.path;
  if (!disk || !file) {
    void vscode.window.showErrorMessage(`No openclaw.json: the probe runs ${o.runs} with it.`);
    return undefined;
  }
  try {
    await preflight(openAiTarget(disk.observation, o.workload, { allowHosted: readSettings().labAllowHosted }).baseUrl);
    return await run(disk, file, await resolveTransport(o.workload, disk.observation));
  } catch (err) {
    const msg = err instanceof LabPreflightError ? err.message : `The probe failed: ${(err as Error).message}`;
    ctx.log.error(msg);
    void vscode.window.showErrorMessage(msg);
    return undefined;
  }
}

/** **Local AI Lab: Probe Prompt Sections** — the CLI's `probe prompt-sections`, shown as a read-only report. */
export async function probePromptSections(ctx: Ctx, proposed: ProposedConfigProvider, opts?: ProbeOptions): Promise<PromptSectionsReport | undefined> {
  const agent = opts?.agent ?? 'main';
  return withProbe(ctx, { probe: 'prompt-sections', runs: 'one OpenClaw turn', workload: { ...PROMPT_SECTIONS_WORKLOAD, agent } }, async (disk, file, transport) => {
    const turn = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Probing the prompt sections of agent ${agent}`, cancellable: true }, (_p, cancel) => {
      const abort = new AbortController();
      cancel.onCancellationRequested(() => abort.abort());
      return runPromptSectionsTurn({ executable: readSettings().openclawExecutable, configPath: file, agent, transport, timeoutMs: PROMPT_SECTIONS_WORKLOAD.timeoutSeconds * 1000, signal: abort.signal });
    });
    if (turn.error) {
      void vscode.window.showErrorMessage(`The probe turn failed: ${turn.error}`);
      return undefined;
    }
    const dir = turn.workspaceDir ?? workspaceFromConfig(toValue(disk.read.doc.root), agent);
    const report = analyzePromptSections({ existing: existingWorkspaceFiles(dir), reply: turn.reply, injected: turn.injected, workspaceDir: dir });
    const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/probe/prompt-sections-${agent}.md` });
    proposed.set(uri, ['# Prompt sections', '', '```', ...promptSectionsLines(report), '```', '', '## What the model reported', '', turn.reply].join('\n'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    if (report.findings.length) void vscode.window.showWarningMessage(report.findings.join(' · '));
    return report;
  });
}

/** **Local AI Lab: Probe Codeword Survival** — the CLI's `probe codewords`: the survival matrix per session, in the Lab panel. */
export async function probeCodewords(ctx: Ctx, lab: LabController, opts?: CodewordOptions): Promise<CodewordSession[] | undefined> {
  const agent = opts?.agent ?? 'main';
  const n = opts?.n ?? 1;
  const startedAt = new Date().toISOString();
  return withProbe(ctx, { probe: 'codeword', runs: 'OpenClaw turns', workload: { ...CODEWORD_WORKLOAD, agent } }, async (_disk, file, transport) => {
    const sessions = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Codeword survival (agent ${agent})`, cancellable: true }, async (progress, cancel) => {
      const abort = new AbortController();
      cancel.onCancellationRequested(() => abort.abort());
      const out: CodewordSession[] = [];
      for (let i = 0; i < n && !abort.signal.aborted; i++) {
        out.push(
          await runCodewordSession(
            { executable: readSettings().openclawExecutable, configPath: file, agent, transport, timeoutMs: CODEWORD_WORKLOAD.timeoutSeconds * 1000, signal: abort.signal, onTurn: (what) => progress.report({ message: `session ${i + 1} of ${n}: ${what}` }) },
            i,
          ),
        );
      }
      return out;
    });
    // Recorded like a lab session (the CLI writes the same file), then shown in the Lab panel.
    const id = newSessionId(`codewords-${agent}`);
    writeCodewordRecord(lab.labDir(), codewordRecord({ id, startedAt, agent, profile: null, config: file, sessions }));
    lab.panel.showCodewords(id);
    const errors = sessions.filter((s) => s.error);
    if (errors.length) void vscode.window.showWarningMessage(`Codeword probe: ${errors.length} of ${sessions.length} session(s) did not finish (${errors[0]!.error}).`);
    return sessions;
  });
}
