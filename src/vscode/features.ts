import path from 'node:path';
import * as vscode from 'vscode';
import type { Finding, Fix, Removed } from '../core/findings.js';
import { runAction } from '../core/servers/actions.js';
import { execute, writesOf } from '../core/write/executor.js';
import { editsBetween } from '../core/write/bytes.js';
import { fixAll } from '../core/fixAll.js';
import fs from 'node:fs';
import { sha256 } from '../core/fsutil.js';
import { fmt } from '../core/format.js';
import { backupReason, backupRow, backupWhen, listBackups } from '../core/write/backups.js';
import type { ApplyFixArgs, ProveArgs, RestoreArgs, SideFileArgs } from './commands.js';
import { isProvable } from '../core/lab/experiments/prove.js';
import type { MigrateResult } from '../core/migrate/migrate.js';
import type { Approvals } from './approve.js';
import { keepRemoved, makeConfigValid, rememberRemoval } from './migrate.js';
import { sideFilePath, sideFileText } from '../core/migrate/migrate.js';
import { PROPOSED_SCHEME, type ProposedConfigProvider } from './proposed.js';
import { hoverAt } from '../core/hover.js';
import type { Ctx } from './ctx.js';
import { LANGUAGE_ID, TOKEN_SECRET } from './ctx.js';
import { ruleOf, toRange } from './diagnostics.js';
import { readSettings } from './settings.js';

const fixKey = (f: Finding) => f.path.join('.');

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
      for (const fix of f.fixes) actions.push(this.toAction(document, diag, fix, f));
      // A finding whose message claims speed or quality: measure its preferred fix on this machine (lab prove).
      if (isProvable(f.rule) && f.fixes.some((x) => x.preferred && x.plan && x.plan.edits.length > 0)) {
        const m = new vscode.CodeAction('Measure this fix on my machine (lab prove)…', vscode.CodeActionKind.QuickFix);
        m.diagnostics = [diag];
        const args: ProveArgs = { rule: f.rule, path: fixKey(f) };
        m.command = { command: 'localAiLab.proveFix', title: m.title, arguments: [args] };
        actions.push(m);
      }
    }
    return actions;
  }

  private toAction(document: vscode.TextDocument, diag: vscode.Diagnostic, fix: Fix, f: Finding): vscode.CodeAction {
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
      // VS Code runs a code action's command after its edit: the removed value goes to the side file then.
      if (fix.removes?.length) a.command = keepRemovedCommand(document, fix.removes);
    } else {
      const args: ApplyFixArgs = { rule: f.rule, file: document.uri.fsPath, path: fixKey(f), title: fix.title };
      a.command = { command: 'localAiLab.applyFix', title: fix.title, arguments: [args] };
    }

    return a;
  }
}

/**
 * Fix All (`source.fixAll.localAiLab`, so "Fix All" and `editor.codeActionsOnSave` work): every preferred,
 * safe fix — the CLI's `fix --all`, the same core loop — as one edit, undone in one step.
 */
export class FixAllProvider implements vscode.CodeActionProvider {
  static readonly kind = vscode.CodeActionKind.SourceFixAll.append('localAiLab');
  static readonly kinds = [FixAllProvider.kind];

  constructor(private readonly ctx: Ctx) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    // Only when asked for it (Fix All, Source Action…, codeActionsOnSave): the loop re-checks after every
    // fix, too much for the light bulb's request on each cursor move.
    if (!context.only || (!context.only.contains(FixAllProvider.kind) && !FixAllProvider.kind.contains(context.only))) return [];
    const input = this.ctx.checkInputFor(document);
    if (!input || input.doc.error) return [];
    const r = fixAll(input);
    if (!r.applied.length) return [];
    const a = new vscode.CodeAction(`Fix all safe OpenClaw config problems (${r.applied.length})`, FixAllProvider.kind);
    const edit = new vscode.WorkspaceEdit();
    for (const e of editsBetween(r.before, r.after)) edit.replace(document.uri, new vscode.Range(document.positionAt(e.span[0]), document.positionAt(e.span[1])), e.newText);
    a.edit = edit;
    if (r.removed.length) a.command = keepRemovedCommand(document, r.removed);
    return [a];
  }
}

/** The command that keeps what a fix removed in the side file (one policy on every path: quick fix, Fix All, `fix`, Make Config Valid). */
function keepRemovedCommand(document: vscode.TextDocument, removed: readonly Removed[]): vscode.Command {
  const args: SideFileArgs = { id: rememberRemoval({ configPath: document.uri.fsPath, removed }) };
  return { command: 'localAiLab.keepRemoved', title: 'Keep the removed value in a side file', arguments: [args] };
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

/** "2 errors, 1 warning, no info": counts for a status message. */
export function findingCounts(findings: readonly Finding[]): string {
  const n = (sev: string, one: string, many: string) => {
    const k = findings.filter((f) => f.severity === sev).length;
    return `${k === 0 ? 'no' : k} ${k === 1 ? one : many}`;
  };
  return `${n('error', 'error', 'errors')}, ${n('warning', 'warning', 'warnings')}, ${n('info', 'note', 'notes')}`;
}

/** The fix `args` names, if a current finding still offers it. */
function currentFix(ctx: Ctx, args: ApplyFixArgs): Fix | undefined {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && path.resolve(d.uri.fsPath) === path.resolve(args.file));
  const findings = open ? ctx.findingsFor(open) : ctx.state.findings;
  return findings.find((f) => f.rule === args.rule && fixKey(f) === args.path)?.fixes.find((x) => x.title === args.title && x.plan);
}

/** The config commands of the command table (commands.ts): check, refresh, fix, make valid, restore. */
export class ConfigCommands {
  constructor(
    private readonly ctx: Ctx,
    private readonly proposed: ProposedConfigProvider,
    private readonly approvals: Approvals,
  ) {}

  async checkConfig(): Promise<void> {
    const ctx = this.ctx;
    await ctx.operation('Local AI Lab: checking OpenClaw config', () => ctx.refresh({ inspectServers: true, validate: true, recheckVersion: true }), { location: 'window' });
    const s = ctx.state;
    if (!s.doc) {
      const pick = await vscode.window.showWarningMessage(`No OpenClaw config found (looked at ${s.located?.searched.join(', ') ?? '?'}).`, 'Set Config Path');
      if (pick) await vscode.commands.executeCommand('workbench.action.openSettings', 'localAiLab.openclaw.configPath');
      return;
    }
    // Say what was found, briefly, where the eye already is.
    vscode.window.setStatusBarMessage(`$(check) OpenClaw config checked: ${findingCounts(s.findings)}`, 6000);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }

  async refreshRuntimeState(): Promise<void> {
    const ctx = this.ctx;
    await ctx.operation('Local AI Lab: reading model servers', () => ctx.refresh({ inspectServers: true }), { location: 'window' });
    const states = [...ctx.state.runtimes.values()];
    const ok = states.filter((r) => r.status === 'ok');
    const loaded = ok.reduce((n, r) => n + r.loaded.length, 0);
    const text = states.length === 0 ? 'no local model server named in openclaw.json' : `${ok.length} of ${states.length} model servers answered; ${loaded === 1 ? 'one model' : `${loaded} models`} loaded`;
    vscode.window.setStatusBarMessage(`$(${ok.length === states.length ? 'check' : 'warning'}) ${text}`, 6000);
  }

  async openConfig(): Promise<void> {
    const p = this.ctx.state.located?.path;
    if (!p || !this.ctx.state.located?.exists) {
      void vscode.window.showWarningMessage('No OpenClaw config found. Set localAiLab.openclaw.configPath or create ~/.openclaw/openclaw.json.');
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(p));
  }

  async setLmStudioToken(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: 'LM Studio API Token',
      prompt: 'LM Studio 0.4+ can require a token for its REST API. Stored in VS Code\'s secret storage, never in settings. Empty clears it.',
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) return;
    if (value) await this.ctx.extension.secrets.store(TOKEN_SECRET, value);
    else await this.ctx.extension.secrets.delete(TOKEN_SECRET);
    await this.ctx.refresh({ inspectServers: true });
  }

  state() {
    return stateJson(this.ctx);
  }

  makeConfigValid(opts?: { confirm?: boolean }): Promise<MigrateResult | undefined> {
    return makeConfigValid(this.ctx, this.proposed, this.approvals, opts);
  }

  keepRemoved(args: SideFileArgs): Promise<string | undefined> {
    return keepRemoved(this.ctx, args);
  }

  /**
   * Applies a current finding's fix: edits to open files as one undoable WorkspaceEdit; edits to closed
   * files and server actions through the one write executor (backup, checked rename, rollback), with
   * progress and cancel. Then looks again.
   */
  async applyFix(args: ApplyFixArgs): Promise<boolean> {
    const ctx = this.ctx;
    const fix = currentFix(ctx, args);
    if (!fix?.plan) {
      void vscode.window.showWarningMessage(`"${args.title}" no longer applies: the config changed since it was offered. Look at the Problems panel again.`);
      return false;
    }
    const plan = fix.plan;
    const isOpen = (file: string) => vscode.workspace.textDocuments.some((d) => path.resolve(d.uri.fsPath) === path.resolve(file));
    const open = plan.edits.filter((fe) => isOpen(fe.file));
    const closed = plan.edits.filter((fe) => !isOpen(fe.file));
    // The config's hash from when it was checked: a save since then makes the write refuse.
    const hashes = new Map<string, string>();
    const { doc, diskHash } = ctx.state;
    if (doc && diskHash) hashes.set(doc.file, diskHash);
    const token = closed.length || plan.actions.length ? await ctx.lmStudioToken() : undefined;
    // What the fix removes goes to the side file: with the write when the file is closed, first when it is open.
    const now = new Date();
    const version = ctx.state.version;
    const sideFiles = fix.removes?.length && version ? [{ file: sideFilePath(args.file, now), text: sideFileText(args.file, fix.removes, version, now) }] : [];
    const done = await ctx.operation(
      args.title,
      async ({ signal, report }) => {
        if (sideFiles.length && !(closed.length || plan.actions.length)) {
          const r = await execute({ title: args.title, writes: [], sideFiles });
          if (!r.ok) throw new Error(`the removed value could not be kept, so nothing was changed: ${r.error ?? 'failed'}`);
        }
        if (open.length) {
          const edit = new vscode.WorkspaceEdit();
          for (const fe of open) {
            const doc = vscode.workspace.textDocuments.find((d) => path.resolve(d.uri.fsPath) === path.resolve(fe.file))!;
            for (const e of fe.edits) edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.span[0]), doc.positionAt(e.span[1])), e.newText);
          }
          if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code did not apply the edit');
        }
        if (closed.length || plan.actions.length) {
          const r = await execute({
            // The backup's reason in Restore Backup…: which fix ("fix: Set contextWindow to 65,536").
            title: `fix: ${args.title}`,
            writes: writesOf({ edits: closed, actions: [] }, hashes),
            sideFiles,
            actions: plan.actions,
            // Loads can take minutes on a big model; cancel stops waiting and rolls the file back.
            runAction: (a, signal) => runAction(a, { timeoutMs: 10 * 60_000, signal, lmStudioToken: token }),
            signal,
            onStep: (m, i, total) => report({ message: `${m} (${i}/${total})` }),
          });
          for (const st of r.steps) ctx.log.info(`${args.title}: ${st}`);
          if (!r.ok) throw new Error(r.error ?? 'failed');
          if (r.instructions.length) void vscode.window.showInformationMessage(r.instructions.join(' '));
        }
        return true;
      },
      // Edits to open documents only are instant: no notification for them.
      { location: closed.length || plan.actions.length ? 'notification' : 'window' },
    );
    if (!done) return false;
    await ctx.refresh({ inspectServers: plan.actions.length > 0, validate: closed.length > 0 });
    return true;
  }

  /**
   * Restore Backup…: pick a backup (newest first), read the diff, restore through the executor — which
   * backs up the current file first, so a restore can itself be undone the same way.
   */
  async restoreBackup(args?: RestoreArgs): Promise<boolean> {
    const ctx = this.ctx;
    const config = ctx.state.located?.exists ? ctx.state.located.path : undefined;
    if (!config) {
      void vscode.window.showWarningMessage('No openclaw.json, so no backups of it.');
      return false;
    }
    const all = listBackups(config).reverse();
    if (args && !all.includes(args.backup)) {
      void vscode.window.showErrorMessage(`${args.backup} is not a backup of ${config}.`);
      return false;
    }
    let backup = args?.backup;
    if (!backup) {
      if (!all.length) {
        void vscode.window.showInformationMessage(`No backups of ${path.basename(config)} yet: every fix, profile switch and Make Config Valid takes one.`);
        return false;
      }
      const pick = await vscode.window.showQuickPick(
        all.map((b) => ({ ...backupRow(b), detail: `${fmt(fs.statSync(b).size)} bytes · ${b}`, b })),
        { title: `Restore ${path.basename(config)} from a backup (newest first)`, placeHolder: 'The diff opens first; nothing changes until you restore' },
      );
      if (!pick) return false;
      backup = pick.b;
    }
    const from = backup;
    const why = backupReason(from);
    const when = `${backupWhen(from) ?? path.basename(from)}${why ? ` (before ${why})` : ''}`;
    if (args?.confirm !== false) {
      // The backup as a proposal: the diff's title bar then carries Apply / Discard, which stay when the question's
      // notification hides, as for a profile or Make Config Valid.
      const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/backup/${path.basename(from)}/openclaw.json` });
      this.proposed.set(uri, fs.readFileSync(from, 'utf8'));
      await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), LANGUAGE_ID);
      await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(config), uri, `openclaw.json ↔ backup of ${when}`, { preview: true, viewColumn: vscode.ViewColumn.One });
      // Not modal: the diff stays readable while the question waits.
      if (!(await this.approvals.ask(`Restore openclaw.json from the backup of ${when}? The current file is backed up first.`))) return false;
    }
    // One file, written at once: a spinner in the status bar, not a notification.
    const r = await ctx.operation(
      'Restore Backup',
      async () => {
        const current = fs.readFileSync(config);
        const r = await execute({ title: 'Restore Backup', writes: [{ file: config, expectedHash: sha256(current), bytes: fs.readFileSync(from) }] });
        for (const st of r.steps) ctx.log.info(`restore: ${st}`);
        if (!r.ok) throw new Error(r.error ?? 'failed');
        return r;
      },
      { location: 'window', failure: 'Not restored' },
    );
    if (!r) return false;
    await ctx.refresh({ inspectServers: false, validate: true });
    void vscode.window.showInformationMessage(`Restored openclaw.json from the backup of ${when}.${r.backups[0] ? ' The version it replaced is a backup too.' : ''}`);
    return true;
  }
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
    /** sha256 of the config on disk, and of the bytes OpenClaw's validator last judged (its issues show only when equal). */
    diskHash: s.diskHash ?? null,
    validatedHash: s.validatedHash ?? null,
    refreshedAt: s.refreshedAt ?? null,
  };
}

