import path from 'node:path';
import * as vscode from 'vscode';
import { runAction, writePlan } from '../core/apply.js';
import type { EditPlan, Fix } from '../core/findings.js';
import { hoverAt } from '../core/hover.js';
import type { Ctx } from './ctx.js';
import { TOKEN_SECRET } from './ctx.js';
import { ruleOf, toRange } from './diagnostics.js';
import { readSettings } from './settings.js';

export interface ApplyFixArgs {
  readonly title: string;
  readonly plan: EditPlan;
}

/** Quick fixes bound to our diagnostics; the safest one preferred. */
export class FixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly ctx: Ctx) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !context.only.contains(vscode.CodeActionKind.QuickFix)) return [];
    const ours = context.diagnostics.filter((d) => ruleOf(d) !== undefined);
    if (ours.length === 0) return [];
    const findings = this.ctx.findingsFor(document);
    const actions: vscode.CodeAction[] = [];
    for (const diag of ours) {
      const f = findings.find((x) => x.rule === ruleOf(diag) && toRange(x.range).isEqual(diag.range));
      if (!f) continue;
      for (const fix of f.fixes) actions.push(this.toAction(document, diag, fix));
    }
    return actions;
  }

  private toAction(document: vscode.TextDocument, diag: vscode.Diagnostic, fix: Fix): vscode.CodeAction {
    const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
    a.diagnostics = [diag];
    a.isPreferred = fix.preferred;
    if (!fix.plan) {
      a.disabled = { reason: fix.declined ?? 'This fix cannot be made safely here.' };
      return a;
    }
    const onlyThisDoc = fix.plan.edits.every((e) => path.resolve(e.file) === path.resolve(document.uri.fsPath));
    if (fix.plan.actions.length === 0 && onlyThisDoc) {
      // Open document: an undoable WorkspaceEdit at offsets of the text the finding was computed from.
      const edit = new vscode.WorkspaceEdit();
      for (const fe of fix.plan.edits) for (const e of fe.edits) edit.replace(document.uri, new vscode.Range(document.positionAt(e.span[0]), document.positionAt(e.span[1])), e.newText);
      a.edit = edit;
    } else {
      const args: ApplyFixArgs = { title: fix.title, plan: fix.plan };
      a.command = { command: 'localAiLab.applyFix', title: fix.title, arguments: [args] };
    }

    return a;
  }
}

export class ContextHoverProvider implements vscode.HoverProvider {
  constructor(private readonly ctx: Ctx) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const obs = this.ctx.observationFor(document);
    if (!obs) return undefined;
    const s = readSettings();
    const h = hoverAt(obs, obs.config.doc, document.offsetAt(position), s);
    if (!h) return undefined;
    const md = new vscode.MarkdownString(h.markdown);
    md.supportHtml = false;
    return new vscode.Hover(md, new vscode.Range(document.positionAt(h.span[0]), document.positionAt(h.span[1])));
  }
}

/**
 * Applies a plan: file edits as a WorkspaceEdit when the file is open (undoable), otherwise as an
 * atomic write that refuses when the file changed since it was read; runtime actions with progress
 * and cancel. Then looks again.
 */
export async function applyFix(ctx: Ctx, args: ApplyFixArgs): Promise<boolean> {
  const { plan } = args;
  try {
    const closed = plan.edits.filter((fe) => !vscode.workspace.textDocuments.some((d) => path.resolve(d.uri.fsPath) === path.resolve(fe.file)));
    const open = plan.edits.filter((fe) => !closed.includes(fe));
    if (open.length) {
      const edit = new vscode.WorkspaceEdit();
      for (const fe of open) {
        const doc = vscode.workspace.textDocuments.find((d) => path.resolve(d.uri.fsPath) === path.resolve(fe.file))!;
        for (const e of fe.edits) edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.span[0]), doc.positionAt(e.span[1])), e.newText);
      }
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code did not apply the edit');
    }
    if (closed.length) {
      // Refuse when the config changed on disk since it was last read; $include'd files carry no hash.
      const hashes = new Map<string, string>();
      const { doc, diskHash } = ctx.state;
      if (doc && diskHash && closed.some((fe) => fe.file === doc.file)) hashes.set(doc.file, diskHash);
      writePlan({ edits: closed, actions: [] }, hashes);
    }
    if (plan.actions.length) {
      const token = (await ctx.extension.secrets.get(TOKEN_SECRET)) ?? process.env.LM_API_TOKEN;
      const notes = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: args.title, cancellable: true },
        async (progress, cancel) => {
          const abort = new AbortController();
          const sub = cancel.onCancellationRequested(() => abort.abort());
          const out: string[] = [];
          try {
            for (const [i, action] of plan.actions.entries()) {
              progress.report({ message: `step ${i + 1} of ${plan.actions.length}` });
              // Loads can take minutes on a big model; cancel stops waiting.
              out.push(await runAction(action, { timeoutMs: 10 * 60_000, signal: abort.signal, lmStudioToken: token }));
              if (abort.signal.aborted) break;
            }
          } finally {
            sub.dispose();
          }
          return out;
        },
      );
      const instructions = plan.actions.filter((a) => a.kind === 'instruct');
      if (instructions.length) void vscode.window.showInformationMessage(notes.join(' '));
      ctx.log.info(`${args.title}: ${notes.join('; ')}`);
    }
    await ctx.refresh({ probe: plan.actions.length > 0, validate: closed.length > 0 });
    return true;
  } catch (err) {
    const message = (err as Error).message;
    ctx.log.error(`${args.title}: ${message}`);
    const pick = await vscode.window.showErrorMessage(`${args.title} failed: ${message}`, 'Show Logs');
    if (pick) ctx.log.show();
    return false;
  }
}

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('localAiLab.checkConfig', async () => {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Local AI Lab: checking OpenClaw config' }, () =>
        ctx.refresh({ probe: true, validate: true, recheckVersion: true }),
      );
      const s = ctx.state;
      if (!s.doc) {
        const pick = await vscode.window.showWarningMessage(`No OpenClaw config found (looked at ${s.located?.searched.join(', ') ?? '?'}).`, 'Set Config Path');
        if (pick) await vscode.commands.executeCommand('workbench.action.openSettings', 'localAiLab.openclaw.configPath');
        return;
      }
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    }),
    vscode.commands.registerCommand('localAiLab.refreshRuntimeState', () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Local AI Lab: reading model servers' }, () => ctx.refresh({ probe: true })),
    ),
    vscode.commands.registerCommand('localAiLab.openConfig', async () => {
      const p = ctx.state.located?.path;
      if (!p || !ctx.state.located?.exists) {
        void vscode.window.showWarningMessage('No OpenClaw config found. Set localAiLab.openclaw.configPath or create ~/.openclaw/openclaw.json.');
        return;
      }
      await vscode.window.showTextDocument(vscode.Uri.file(p));
    }),
    vscode.commands.registerCommand('localAiLab.setLmStudioToken', async () => {
      const value = await vscode.window.showInputBox({
        title: 'LM Studio API Token',
        prompt: 'LM Studio 0.4+ can require a token for its REST API. Stored in VS Code\'s secret storage, never in settings. Empty clears it.',
        password: true,
        ignoreFocusOut: true,
      });
      if (value === undefined) return;
      if (value) await ctx.extension.secrets.store(TOKEN_SECRET, value);
      else await ctx.extension.secrets.delete(TOKEN_SECRET);
      await ctx.refresh({ probe: true });
    }),
    vscode.commands.registerCommand('localAiLab.showLogs', () => ctx.log.show()),
    vscode.commands.registerCommand('localAiLab.applyFix', (args: ApplyFixArgs) => applyFix(ctx, args)),
    // For tests and scripts: the state as plain JSON.
    vscode.commands.registerCommand('localAiLab.state', () => stateJson(ctx)),
  ];
}

export function stateJson(ctx: Ctx) {
  const s = ctx.state;
  return {
    configPath: s.located?.path,
    configExists: s.located?.exists ?? false,
    openclawVersion: s.version ? `${s.version.year}.${s.version.month}.${s.version.patch}` : null,
    findings: s.findings.map((f) => ({ rule: f.rule, severity: f.severity, file: f.file, range: f.range, message: f.message })),
    runtimes: [...s.runtimes].map(([provider, r]) => ({ provider, status: r.status, kind: r.kind, loaded: r.loaded.map((m) => ({ id: m.identifier, context: m.loadedContextLength })) })),
    validation: s.validation ?? null,
    validationError: s.validationError ?? null,
    refreshedAt: s.refreshedAt ?? null,
  };
}

