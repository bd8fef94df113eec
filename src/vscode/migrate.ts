import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { fixForIssue } from '../core/migrate/fixes.js';
import { sideFilePath, sideFileText, type MigrateResult } from '../core/migrate/migrate.js';
import { migrationChanges, migrationOperation, planMigration } from '../core/migrate/run.js';
import { FIRST_STEP, migrateStep, validationStep, withElapsed, wouldAlsoLines } from '../core/migrate/steps.js';
import { parseDocument } from '../core/openclaw/document.js';
import { formatVersion } from '../core/openclaw/version.js';
import { readBounded } from '../core/read.js';
import { editsBetween } from '../core/write/bytes.js';
import { execute, whyNotWritable } from '../core/write/executor.js';
import { LANGUAGE_ID, type Ctx } from './ctx.js';
import { VALIDATOR_RELATED, VALIDATOR_SOURCE } from './diagnostics.js';
import { PROPOSED_SCHEME, ProposedConfigProvider } from './proposed.js';
import type { Approvals } from './approve.js';
import { readSettings } from './settings.js';
import { repairOptions } from './options.js';
import type { SideFileArgs } from './commands.js';
import type { Removed } from '../core/findings.js';

/**
 * Removed values a quick fix promised to keep, by a one-time id: the keepRemoved command writes only
 * what one of our code actions computed, never text handed to it by a caller.
 */
const pendingRemovals = new Map<string, { configPath: string; removed: readonly Removed[] }>();
export function rememberRemoval(r: { configPath: string; removed: readonly Removed[] }): string {
  const id = randomBytes(8).toString('hex');
  pendingRemovals.set(id, r);
  // Code actions are recomputed on every cursor move: keep only the recent ones.
  while (pendingRemovals.size > 200) pendingRemovals.delete(pendingRemovals.keys().next().value!);
  return id;
}

/** Quick fixes on OpenClaw's own diagnostics (source "openclaw"), each explained with the release that changed it. */
export class ValidatorFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly ctx: Ctx) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !context.only.contains(vscode.CodeActionKind.QuickFix)) return [];
    // OpenClaw's own diagnostics, and ours that carry an OpenClaw issue merged into them (same key, same range).
    const fromOpenClaw = (d: vscode.Diagnostic) => d.relatedInformation?.filter((r) => VALIDATOR_RELATED.test(r.message)).map((r) => r.message) ?? [];
    const diags = context.diagnostics.filter((d) => d.source === VALIDATOR_SOURCE || fromOpenClaw(d).length > 0);
    const issues = this.ctx.state.validation?.issues ?? [];
    if (!diags.length || !issues.length || !this.ctx.isConfigDocument(document)) return [];
    const doc = parseDocument(document.uri.fsPath, document.getText());
    if (doc.error) return [];
    const version = this.ctx.state.version;
    if (!version) return [];
    const out: vscode.CodeAction[] = [];
    for (const d of diags) {
      const issue = issues.find((i) => (d.source === VALIDATOR_SOURCE ? d.message.startsWith(i.message) : fromOpenClaw(d).some((m) => m.includes(i.message))));
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
          const args: SideFileArgs = { id: rememberRemoval({ configPath: document.uri.fsPath, removed: [{ path: c.path, reason: c.reason, text: c.removedText }] }) };
          a.command = { command: 'localAiLab.keepRemoved', title: 'Keep the removed value in a side file', arguments: [args] };
        }
        out.push(a);
      }
    }
    return out;
  }
}

export async function makeConfigValid(ctx: Ctx, proposed: ProposedConfigProvider, approvals: Approvals, opts: { confirm?: boolean } = {}): Promise<MigrateResult | undefined> {
  await ctx.refresh({ recheckVersion: true });
  const located = ctx.state.located;
  const version = ctx.state.version;
  const settings = readSettings();
  if (!located?.exists) {
    void vscode.window.showErrorMessage('No openclaw.json to make valid.');
    return undefined;
  }
  if (!version || ctx.state.versionSource !== 'installed') {
    // Without OpenClaw nothing can judge or repair the file: say so, and offer only our own fixes, labelled as such.
    const ours = 'Apply Local AI Lab\'s Own Fixes (not judged by OpenClaw)';
    void vscode.window
      .showWarningMessage(`OpenClaw is not installed here ("${settings.openclawExecutable}" did not answer), so it cannot repair or judge ${path.basename(located.path)}. Install it, or set localAiLab.openclaw.executable; Local AI Lab's own fixes still work, unjudged.`, ours, 'Open Settings')
      .then(async (p) => {
        if (p === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'localAiLab.openclaw.executable');
        if (p === ours) {
          await vscode.window.showTextDocument(vscode.Uri.file(located.path));
          await vscode.commands.executeCommand('editor.action.sourceAction', { kind: 'source.fixAll.localAiLab', apply: 'first' });
        }
      });
    return undefined;
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === located.path);
  if (open?.isDirty) await open.save();
  const plan = await ctx.operation(
    `Checking ${path.basename(located.path)} with OpenClaw ${formatVersion(version)}`,
    async ({ signal, report }) => {
      const bytes = await readBounded(located.path);
      if (!bytes) throw new Error(`${located.path} does not exist`);
      const unwritable = whyNotWritable(located.path);
      if (unwritable) throw new Error(unwritable);
      // Our words for each stage, with its seconds so far; doctor's own output goes to the log only.
      let step = FIRST_STEP;
      const since = { t: Date.now() };
      const show = (next: string) => ((step = next), (since.t = Date.now()), report({ message: step }));
      const tick = setInterval(() => report({ message: withElapsed(step, (Date.now() - since.t) / 1000) }), 1000);
      show(FIRST_STEP);
      try {
        return await planMigration(located.path, bytes, {
          ...repairOptions(settings),
          version,
          installed: version,
          signal,
          onRound: (round) => show(validationStep(round)),
          onProgress: (line) => {
            const ours = migrateStep(line);
            if (ours) show(ours);
            else ctx.log.trace(`make valid: openclaw doctor (private copy): ${line}`);
          },
        });
      } finally {
        clearInterval(tick);
      }
    },
    { failure: 'Could not make the config valid' },
  );
  if (!plan) return undefined;
  if (plan.refused) {
    void vscode.window.showErrorMessage(`Not changed: ${plan.refused}`);
    return plan;
  }
  if (!migrationChanges(plan)) {
    if (plan.valid) void vscode.window.showInformationMessage(`OpenClaw ${formatVersion(version)} already accepts ${path.basename(located.path)}.`);
    else void vscode.window.showWarningMessage([`No safe fix is left; ${plan.remaining.length === 1 ? 'one issue remains' : `${plan.remaining.length} issues remain`} in the Problems panel.`, ...wouldAlsoLines(plan.repair.wouldAlso, 3)].join(' '));
    return plan;
  }
  // One timestamp: the side file named in the confirmation is the one written.
  const op = migrationOperation(plan);
  let side = op.sideFiles?.[0]?.file;
  if (opts.confirm !== false) {
    const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: '/valid/openclaw.json' });
    proposed.set(uri, plan.after);
    await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), LANGUAGE_ID);
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(located.path), uri, `openclaw.json ↔ valid for OpenClaw ${formatVersion(version)} (proposed)`, { preview: true, viewColumn: vscode.ViewColumn.One });
    for (const c of plan.changes) ctx.log.info(`make valid (proposed): ${c.action} ${c.path}${c.to ? ` → ${c.to}` : ''}: ${c.reason}`);
    ctx.log.info(plan.repair.ran ? `make valid: OpenClaw's own repair decided the moves (${plan.repair.seconds?.toFixed(1)} s)` : `make valid: OpenClaw's own repair did not run: ${plan.repair.note}`);
    for (const w of plan.repair.wouldAlso) ctx.log.info(`make valid: OpenClaw's doctor would also ${w} (left out: not your values)`);
    const n = plan.changes.length;
    const remain = plan.remaining.length;
    const question = `${plan.valid ? `Make openclaw.json valid for OpenClaw ${formatVersion(version)}?` : `Apply the safe fixes? ${remain === 1 ? 'One issue has' : `${remain} issues have`} no safe fix and stay.`} ${n === 1 ? 'One change' : `${n} changes`}, shown in the diff.${side ? ` Removed values and their comments go to ${path.basename(side)}.` : ''}`;
    const ok = await approvals.ask(question);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === PROPOSED_SCHEME);
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
    if (!ok) return undefined;
  }
  const current = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === located.path);
  // An open, saved document can lag a moment behind a write made on disk (a profile switch just now).
  for (let i = 0; current && !current.isDirty && current.getText() !== plan.before && i < 20; i++) await new Promise((r) => setTimeout(r, 100));
  if (current?.isDirty && current.getText() !== plan.before) {
    void vscode.window.showErrorMessage('openclaw.json has edits that were not there when OpenClaw judged it; nothing was changed. Save, then run Make Config Valid again.');
    return undefined;
  }
  if (current && !plan.reencode && current.getText() === plan.before) {
    // The open file: one undoable edit. The side file first, through the executor: whatever happens to
    // the edit, the removed values are already kept.
    if (op.sideFiles?.length) {
      const r = await execute({ title: op.title, writes: [], sideFiles: op.sideFiles });
      if (!r.ok) {
        void vscode.window.showErrorMessage(`Nothing was changed: ${r.error}`);
        return undefined;
      }
      side = r.sideFiles[0];
    }
    const edit = new vscode.WorkspaceEdit();
    edit.set(
      current.uri,
      editsBetween(plan.before, plan.after).map((e) => vscode.TextEdit.replace(new vscode.Range(current.positionAt(e.span[0]), current.positionAt(e.span[1])), e.newText)),
    );
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage('VS Code did not apply the edit; nothing was changed.');
      return undefined;
    }
    await current.save();
  } else {
    const r = await execute(op);
    for (const st of r.steps) ctx.log.info(`make valid: ${st}`);
    if (!r.ok) {
      void vscode.window.showErrorMessage(`Nothing was changed: ${r.error}`);
      return undefined;
    }
    side = r.sideFiles[0];
  }
  for (const c of plan.changes) ctx.log.info(`make valid: ${c.action} ${c.path}: ${c.reason}`);
  await ctx.refresh({ validate: true });
  const count = (n: number, one: string, many: string) => (n === 1 ? `one ${one}` : `${n} ${many}`);
  const msg = plan.valid
    ? `OpenClaw ${formatVersion(version)} accepts openclaw.json now (${count(plan.changes.length, 'change', 'changes')}).`
    : `Applied ${count(plan.changes.length, 'safe fix', 'safe fixes')}; ${count(plan.remaining.length, 'issue remains', 'issues remain')}.`;
  // The result says what OpenClaw's doctor would also have done (and was left out), not only the log.
  const text = [side ? `${msg} Removed values: ${path.basename(side)}.` : msg, ...wouldAlsoLines(plan.repair.wouldAlso, 3)].join(' ');
  void vscode.window.showInformationMessage(text, ...(side ? ['Open Side File'] : [])).then((p) => {
    if (p) void vscode.window.showTextDocument(vscode.Uri.file(side!));
  });
  return plan;
}

/** Writes the removed values beside the config (the quick fixes' and Fix All's companion command), through the executor. */
export async function keepRemoved(ctx: Ctx, args: SideFileArgs): Promise<string | undefined> {
  const version = ctx.state.version;
  const r = pendingRemovals.get(args.id);
  if (!version || !r) return undefined;
  pendingRemovals.delete(args.id);
  const now = new Date();
  const what = r.removed.map((x) => x.path).join(', ');
  const report = await execute({ title: 'keep removed value', writes: [], sideFiles: [{ file: sideFilePath(r.configPath, now), text: sideFileText(r.configPath, r.removed, version, now) }] });
  if (!report.ok) {
    ctx.log.error(`could not keep ${what}: ${report.error}`);
    void vscode.window.showErrorMessage(`The removed value of ${what} could not be kept: ${report.error}. Undo the fix to get it back.`);
    return undefined;
  }
  ctx.log.info(`kept ${what} in ${report.sideFiles[0]}`);
  return report.sideFiles[0];
}
