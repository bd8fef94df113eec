import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { sha256, writeAtomic } from '../core/fsutil.js';
import { fixForIssue } from '../core/migrate/fixes.js';
import { validatorFor } from '../core/migrate/validate.js';
import { migrateConfig, sideFilePath, sideFileText, type MigrateResult } from '../core/migrate/migrate.js';
import type { ValidatorIssue } from '../core/openclaw/cli.js';
import { decodeText, encodeText, parseDocument } from '../core/openclaw/document.js';
import { formatVersion } from '../core/openclaw/version.js';
import { backupConfig } from '../core/profiles/backups.js';
import { LANGUAGE_ID, type Ctx } from './ctx.js';
import { VALIDATOR_SOURCE } from './diagnostics.js';
import { PROPOSED_SCHEME, ProposedConfigProvider } from './proposed.js';
import { readSettings } from './settings.js';

/** One edit from the first to the last differing character: undo restores it in one step. */
function minimalReplace(doc: vscode.TextDocument, before: string, after: string): vscode.TextEdit {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endA = before.length;
  let endB = after.length;
  while (endA > start && endB > start && before[endA - 1] === after[endB - 1]) {
    endA--;
    endB--;
  }
  return vscode.TextEdit.replace(new vscode.Range(doc.positionAt(start), doc.positionAt(endA)), after.slice(start, endB));
}

/** Quick fixes on OpenClaw's own diagnostics (source "openclaw"), each explained with the release that changed it. */
export class ValidatorFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly ctx: Ctx) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !context.only.contains(vscode.CodeActionKind.QuickFix)) return [];
    const diags = context.diagnostics.filter((d) => d.source === VALIDATOR_SOURCE);
    const issues = this.ctx.state.validation?.issues ?? [];
    if (!diags.length || !issues.length || !this.ctx.isConfigDocument(document)) return [];
    const doc = parseDocument(document.uri.fsPath, document.getText());
    if (doc.error) return [];
    const version = this.ctx.state.version;
    if (!version) return [];
    const out: vscode.CodeAction[] = [];
    for (const d of diags) {
      const issue = issues.find((i) => d.message.startsWith(i.message));
      if (!issue) continue;
      const fix = fixForIssue(doc, doc.root, issue, version);
      if ('declined' in fix) continue;
      // An issue naming several keys is placed once per key: offer the fix for the key under this diagnostic.
      const mine = fix.changes.filter((c) => c.edits.edits.some((e) => new vscode.Range(document.positionAt(e.span[0]), document.positionAt(e.span[1])).intersection(d.range)));
      for (const c of mine.length ? mine : fix.changes.slice(0, 1)) {
        const key = c.path.split('.').pop();
        const title = c.action === 'remove' ? `Remove ${key} (kept in a side file)` : `Set ${key}`;
        const a = new vscode.CodeAction(`${title}: ${c.reason}`, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.isPreferred = true;
        const edit = new vscode.WorkspaceEdit();
        for (const e of c.edits.edits) edit.replace(document.uri, new vscode.Range(document.positionAt(e.span[0]), document.positionAt(e.span[1])), e.newText);
        a.edit = edit;
        if (c.removedText !== undefined) {
          // VS Code runs a code action's command after its edit: the removed text goes to a side file then.
          // (A WorkspaceEdit that creates a file with contents does not survive code-server's web workbench.)
          const args: SideFileArgs = { configPath: document.uri.fsPath, path: c.path, reason: c.reason, text: c.removedText };
          a.command = { command: 'localAiLab.keepRemoved', title: 'Keep the removed value in a side file', arguments: [args] };
        }
        out.push(a);
      }
    }
    return out;
  }
}

export async function makeConfigValid(ctx: Ctx, proposed: ProposedConfigProvider, opts: { confirm?: boolean } = {}): Promise<MigrateResult | undefined> {
  await ctx.refresh({ recheckVersion: true });
  const located = ctx.state.located;
  const version = ctx.state.version;
  const settings = readSettings();
  if (!located?.exists) {
    void vscode.window.showErrorMessage('No openclaw.json to make valid.');
    return undefined;
  }
  if (!version || ctx.state.versionSource !== 'installed') {
    void vscode.window.showErrorMessage(`Making the config valid needs the installed OpenClaw to judge it ("${settings.openclawExecutable}" did not answer). Set localAiLab.openclaw.executable.`, 'Open Settings').then((p) => p && vscode.commands.executeCommand('workbench.action.openSettings', 'localAiLab.openclaw.executable'));
    return undefined;
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === located.path);
  if (open?.isDirty) await open.save();
  const bytes = fs.readFileSync(located.path);
  const decoded = decodeText(bytes);
  const utf16 = decoded.encoding === 'utf16le' || decoded.encoding === 'utf16be';
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking ${path.basename(located.path)} with OpenClaw ${formatVersion(version)}`, cancellable: true },
    async (progress, cancel) => {
      const abort = new AbortController();
      cancel.onCancellationRequested(() => abort.abort());
      const validate = validatorFor(settings.openclawExecutable, located.path, { timeoutMs: settings.validateTimeoutMs, signal: abort.signal });
      let round = 0;
      return migrateConfig(located.path, decoded.text, {
        version,
        validate: (text) => {
          progress.report({ message: `validation ${++round}` });
          return validate(text);
        },
      });
    },
  ).then(undefined, (err: Error) => {
    void vscode.window.showErrorMessage(`Could not make the config valid: ${err.message}`, 'Show Logs').then((p) => p && ctx.log.show());
    return undefined;
  });
  if (!result) return undefined;
  if (result.refused) {
    void vscode.window.showErrorMessage(`Not changed: ${result.refused}`);
    return result;
  }
  if (result.after === result.before && !utf16) {
    if (result.valid) void vscode.window.showInformationMessage(`OpenClaw ${formatVersion(version)} already accepts ${path.basename(located.path)}.`);
    else void vscode.window.showWarningMessage(`No safe fix is left; ${result.remaining.length} issue(s) remain in the Problems panel.`);
    return result;
  }
  // One timestamp: the side file named in the confirmation is the one written.
  const now = new Date();
  const side = result.removed.length ? sideFilePath(located.path, now) : undefined;
  if (opts.confirm !== false) {
    const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: '/valid/openclaw.json' });
    proposed.set(uri, result.after);
    await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), LANGUAGE_ID);
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(located.path), uri, `openclaw.json ↔ valid for OpenClaw ${formatVersion(version)} (proposed)`, { preview: true });
    const lines = result.changes.map((c) => `• ${c.action} ${c.path}${c.to ? ` → ${c.to}` : ''}`);
    const detail = `${lines.join('\n')}${side ? `\n\nRemoved values and their comments go to ${path.basename(side)} beside the config.` : ''}${result.remaining.length ? `\n\n${result.remaining.length} issue(s) have no safe fix and stay.` : ''}`;
    const pick = await vscode.window.showWarningMessage(result.valid ? `Make openclaw.json valid for OpenClaw ${formatVersion(version)}?` : `Apply the safe fixes (${result.remaining.length} issue(s) remain)?`, { modal: true, detail }, 'Apply');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === PROPOSED_SCHEME);
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
    if (pick !== 'Apply') return undefined;
  }
  const current = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === located.path);
  if (current && !utf16) {
    // The open file: one undoable edit (the side file is created by the same edit).
    // The side file first: whatever happens to the edit, the removed values are already kept.
    if (side) fs.writeFileSync(side, sideFileText(result.file, result.removed, version, now), { mode: 0o600 });
    const edit = new vscode.WorkspaceEdit();
    edit.set(current.uri, [minimalReplace(current, current.getText(), result.after)]);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage('VS Code did not apply the edit; nothing was changed.');
      return undefined;
    }
    await current.save();
  } else {
    backupConfig(located.path, bytes);
    if (side) fs.writeFileSync(side, sideFileText(result.file, result.removed, version, now), { mode: 0o600 });
    writeAtomic(located.path, encodeText(result.after, utf16 ? 'utf8' : decoded.encoding), sha256(bytes));
  }
  for (const c of result.changes) ctx.log.info(`make valid: ${c.action} ${c.path}: ${c.reason}`);
  await ctx.refresh({ validate: true });
  const msg = result.valid ? `OpenClaw ${formatVersion(version)} accepts openclaw.json now (${result.changes.length} change(s)).` : `Applied ${result.changes.length} safe fix(es); ${result.remaining.length} issue(s) remain.`;
  void vscode.window.showInformationMessage(side ? `${msg} Removed values: ${path.basename(side)}.` : msg, ...(side ? ['Open Side File'] : [])).then((p) => {
    if (p) void vscode.window.showTextDocument(vscode.Uri.file(side!));
  });
  return result;
}

export interface SideFileArgs {
  readonly configPath: string;
  readonly path: string;
  readonly reason: string;
  readonly text: string;
}

/** Writes one removed value beside the config (the quick fix's companion command). */
export function keepRemoved(ctx: Ctx, args: SideFileArgs): string | undefined {
  const version = ctx.state.version;
  if (!version || typeof args?.configPath !== 'string' || typeof args.text !== 'string') return undefined;
  const now = new Date();
  const file = sideFilePath(args.configPath, now);
  const text = sideFileText(args.configPath, [{ path: String(args.path), reason: String(args.reason), text: args.text }], version, now);
  fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  ctx.log.info(`kept ${args.path} in ${file}`);
  return file;
}

export type { ValidatorIssue };
