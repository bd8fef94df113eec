import * as vscode from 'vscode';
import { Ctx } from './vscode/ctx.js';
import { DOCS_SCHEME, RuleDocsProvider } from './vscode/docs.js';
import { ContextHoverProvider, FixProvider, registerCommands, stateJson } from './vscode/features.js';
import { ProfileController } from './vscode/profiles.js';
import { LabController } from './vscode/lab.js';
import { PROPOSED_SCHEME, ProposedConfigProvider } from './vscode/proposed.js';
import { keepRemoved, makeConfigValid, ValidatorFixProvider, type SideFileArgs } from './vscode/migrate.js';

let ctx: Ctx | undefined;

/** Activation builds services and registers features; no I/O or process runs until after it returns. */
export function activate(context: vscode.ExtensionContext) {
  const t0 = performance.now();
  try {
    ctx = new Ctx(context);
    context.subscriptions.push(ctx);
    const files = { scheme: 'file' };
    ctx.push(
      vscode.languages.registerCodeActionsProvider(files, new FixProvider(ctx), { providedCodeActionKinds: FixProvider.kinds }),
      vscode.languages.registerHoverProvider(files, new ContextHoverProvider(ctx)),
      vscode.workspace.registerTextDocumentContentProvider(DOCS_SCHEME, new RuleDocsProvider(context.extensionUri)),
      ...registerCommands(ctx),
    );
    const c0 = ctx;
    const proposed = new ProposedConfigProvider();
    const profiles = new ProfileController(c0, proposed);
    c0.push(
      proposed,
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposed),
      profiles,
      vscode.languages.registerCodeActionsProvider(files, new ValidatorFixProvider(c0), { providedCodeActionKinds: ValidatorFixProvider.kinds }),
      vscode.commands.registerCommand('localAiLab.makeConfigValid', (opts?: { confirm?: boolean }) => makeConfigValid(c0, proposed, opts)),
      vscode.commands.registerCommand('localAiLab.keepRemoved', (args: SideFileArgs) => keepRemoved(c0, args)),
      new LabController(c0, profiles),
    );
    const c = ctx;
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

export function deactivate(): void {
  ctx?.dispose();
  ctx = undefined;
}
