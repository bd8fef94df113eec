import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { command } from './commands.js';
import type { Ctx } from './ctx.js';
import { PROPOSED_SCHEME, type ProposedConfigProvider } from './proposed.js';
import { readSettings } from './settings.js';
import { analyzePromptSections, existingWorkspaceFiles, PROMPT_SECTIONS_WORKLOAD, promptSectionsLines, runPromptSectionsTurn, workspaceFromConfig, type PromptSectionsReport } from '../core/lab/promptSections.js';
import { LabPreflightError, openAiTarget, preflight, resolveTransport } from '../core/lab/session.js';
import { toValue } from '../core/openclaw/document.js';
import { codewordRecord, runCodewordSession, writeCodewordRecord, type CodewordSession } from '../core/lab/codewordRun.js';
import { CODEWORD_WORKLOAD } from '../core/lab/codewords.js';
import { newSessionId } from '../core/lab/store.js';
import type { LabController } from './lab.js';

/**
 * What both probes need first: a trusted workspace (they run openclaw), the servers probed again, and the config on
 * disk. Says what is missing and resolves undefined when something is.
 */
async function probeReady(ctx: Ctx, probe: string, runs: string) {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`The ${probe} probe is off in an untrusted workspace: it runs openclaw. Trust the workspace to run it.`);
    return undefined;
  }
  await ctx.refresh({ probe: true });
  const disk = await ctx.checkDisk().catch(() => undefined);
  const file = ctx.state.located?.path;
  if (!disk || !file) {
    void vscode.window.showErrorMessage(`No openclaw.json: the probe runs ${runs} with it.`);
    return undefined;
  }
  return { disk, file };
}
const ProbeOptions = z.strictObject({ agent: z.optional(z.string().check(z.regex(/^[a-z0-9_][a-z0-9_-]{0,63}$/i, 'an OpenClaw agent id'))) });

/** **Local AI Lab: Probe Prompt Sections** — the CLI's `probe prompt-sections`, shown as a read-only report. */
export function registerProbe(ctx: Ctx, proposed: ProposedConfigProvider): vscode.Disposable {
  return command('localAiLab.probePromptSections', z.tuple([z.optional(ProbeOptions)]), async (opts): Promise<PromptSectionsReport | undefined> => {
    const ready = await probeReady(ctx, 'prompt-sections', 'one OpenClaw turn');
    if (!ready) return undefined;
    const { disk, file } = ready;
    const agent = opts?.agent ?? 'main';
    const workload = { ...PROMPT_SECTIONS_WORKLOAD, agent };
    try {
      await preflight(openAiTarget(disk.observation, workload, { allowHosted: readSettings().labAllowHosted }).baseUrl);
      const transport = await resolveTransport(workload, disk.observation);
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
    } catch (err) {
      const msg = err instanceof LabPreflightError ? err.message : `The probe failed: ${(err as Error).message}`;
      ctx.log.error(msg);
      void vscode.window.showErrorMessage(msg);
      return undefined;
    }
  });
}

const CodewordOptions = z.strictObject({
  agent: z.optional(z.string().check(z.regex(/^[a-z0-9_][a-z0-9_-]{0,63}$/i, 'an OpenClaw agent id'))),
  n: z.optional(z.int().check(z.gte(1), z.lte(100))),
});

/** **Local AI Lab: Probe Codeword Survival** — the CLI's `probe codewords`: the survival matrix per session, in the Lab panel. */
export function registerCodewordProbe(ctx: Ctx, lab: LabController): vscode.Disposable {
  return command('localAiLab.probeCodewords', z.tuple([z.optional(CodewordOptions)]), async (opts): Promise<CodewordSession[] | undefined> => {
    const ready = await probeReady(ctx, 'codeword', 'OpenClaw turns');
    if (!ready) return undefined;
    const { disk, file } = ready;
    const agent = opts?.agent ?? 'main';
    const n = opts?.n ?? 1;
    const workload = { ...CODEWORD_WORKLOAD, agent };
    const startedAt = new Date().toISOString();
    try {
      await preflight(openAiTarget(disk.observation, workload, { allowHosted: readSettings().labAllowHosted }).baseUrl);
      const transport = await resolveTransport(workload, disk.observation);
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
    } catch (err) {
      const msg = err instanceof LabPreflightError ? err.message : `The probe failed: ${(err as Error).message}`;
      ctx.log.error(msg);
      void vscode.window.showErrorMessage(msg);
      return undefined;
    }
  });
}
