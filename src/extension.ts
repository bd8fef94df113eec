import * as vscode from 'vscode';
import { Ctx } from './vscode/ctx.js';
import { DOCS_SCHEME, RuleDocsProvider } from './vscode/docs.js';
import { ContextHoverProvider, FixAllProvider, FixProvider, registerCommands, stateJson } from './vscode/features.js';
import { ProfileController } from './vscode/profiles.js';
import { LabController } from './vscode/lab.js';
import { SweepController } from './vscode/sweep.js';
import { registerCodewordProbe, registerProbe } from './vscode/probe.js';
import { PROPOSED_SCHEME, ProposedConfigProvider } from './vscode/proposed.js';
import { keepRemoved, makeConfigValid, SideFileArgs, ValidatorFixProvider } from './vscode/migrate.js';
import { command, confirmOpts, menuArgs } from './vscode/commands.js';
import { Approvals } from './vscode/approve.js';
import { LabView } from './vscode/labView.js';
import { registerWalkthrough } from './vscode/walkthrough.js';
import * as z from 'zod/mini';

let ctx: Ctx | undefined;

/** Activation builds services and registers features; no I/O or process runs until after it returns. */
export function activate(context: vscode.ExtensionContext) {
  const t0 = performance.now();
  try {
    // A local const: closures below see a Ctx, not the module's `Ctx | undefined`.
    const c = new Ctx(context);
    ctx = c;
    context.subscriptions.push(c);
    const files = { scheme: 'file' };
    c.push(
      vscode.languages.registerCodeActionsProvider(files, new FixProvider(c), { providedCodeActionKinds: FixProvider.kinds }),
      vscode.languages.registerCodeActionsProvider(files, new FixAllProvider(c), { providedCodeActionKinds: FixAllProvider.kinds }),
      vscode.languages.registerHoverProvider(files, new ContextHoverProvider(c)),
      vscode.workspace.registerTextDocumentContentProvider(DOCS_SCHEME, new RuleDocsProvider(context.extensionUri)),
      ...registerCommands(c),
    );
    const proposed = new ProposedConfigProvider();
    const approvals = new Approvals();
    const profiles = new ProfileController(c, proposed, approvals);
    c.push(
      proposed,
      approvals,
      // From the diff's title bar VS Code passes the editor's URI and group; they are not needed, only allowed.
      command('localAiLab.applyProposal', menuArgs, () => approvals.answer(true)),
      command('localAiLab.discardProposal', menuArgs, () => approvals.answer(false)),
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposed),
      profiles,
      vscode.languages.registerCodeActionsProvider(files, new ValidatorFixProvider(c), { providedCodeActionKinds: ValidatorFixProvider.kinds }),
      command('localAiLab.makeConfigValid', z.tuple([z.optional(confirmOpts)]), (opts) => makeConfigValid(c, proposed, approvals, opts)),
      command('localAiLab.keepRemoved', z.tuple([SideFileArgs]), (args) => keepRemoved(c, args)),
    );
    const lab = new LabController(c, profiles);
    c.push(lab, new LabView(c, lab, profiles), registerWalkthrough(context), new SweepController(c, profiles, lab), registerProbe(c, proposed), registerCodewordProbe(c, lab, profiles));
    // The first check runs after activation returns: locate, `openclaw --version`, probes.
    setTimeout(() => void c.refresh({ probe: true, recheckVersion: true }), 0);
    const activateMs = performance.now() - t0;
    c.log.info(`activated in ${activateMs.toFixed(1)} ms`);
    return {
      activateMs,
      state: () => ({ ...stateJson(c), profile: profiles.status }),
      refresh: (opts?: { probe?: boolean; validate?: boolean }) => c.refresh({ probe: true, validate: true, ...opts }),
    };
  } catch (err) {
    void vscode.window.showErrorMessage(`Local AI Lab failed to start: ${(err as Error).message}`, 'Show Logs').then((pick) => pick && ctx?.log.show());
    throw err;
  }
}

/** Ctx is in context.subscriptions, so VS Code disposes it once; this only drops the reference. */
export function deactivate(): void {
  ctx = undefined;
}
