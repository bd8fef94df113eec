import * as vscode from 'vscode';
import { Ctx, type RefreshOptions } from './vscode/ctx.js';
import { DOCS_SCHEME, RuleDocsProvider } from './vscode/docs.js';
import { ConfigCommands, ContextHoverProvider, FixAllProvider, FixProvider, stateJson } from './vscode/features.js';
import { ProfileController } from './vscode/profiles.js';
import { LabController } from './vscode/lab.js';
import { SweepController } from './vscode/sweep.js';
import { ProveController } from './vscode/prove.js';
import { probeCodewords, probeOverWire, probePromptSections } from './vscode/probe.js';
import { PROPOSED_SCHEME, ProposedConfigProvider } from './vscode/proposed.js';
import { ValidatorFixProvider } from './vscode/migrate.js';
import { Approvals } from './vscode/approve.js';
import { LabView } from './vscode/labView.js';
import { openWalkthrough, openWalkthroughOnFirstRun } from './vscode/walkthrough.js';
import { registerCommands } from './vscode/frame.js';

let ctx: Ctx | undefined;

/** Activation builds services and registers features; no I/O or process runs until after it returns. */
export function activate(context: vscode.ExtensionContext) {
  const t0 = performance.now();
  try {
    // A local const: closures below see a Ctx, not the module's `Ctx | undefined`.
    const c = new Ctx(context);
    ctx = c;
    context.subscriptions.push(c);
    // Activation to the first findings in the Problems panel (issue #26: within 2 s with a server answering).
    let firstDiagnosticsMs: number | undefined;
    const first = c.onDidChange((s) => {
      if (!s.findings.length) return;
      firstDiagnosticsMs = performance.now() - t0;
      c.log.info(`first diagnostics ${firstDiagnosticsMs.toFixed(0)} ms after activation began`);
      first.dispose();
    });
    c.push(first);
    const files = { scheme: 'file' };
    const proposed = new ProposedConfigProvider();
    const approvals = new Approvals();
    const profiles = new ProfileController(c, proposed, approvals);
    const lab = new LabController(c, profiles);
    const labView = new LabView(c, lab, profiles);
    const sweep = new SweepController(c, profiles, lab);
    const prove = new ProveController(c, lab);
    c.push(
      vscode.languages.registerCodeActionsProvider(files, new FixProvider(c), { providedCodeActionKinds: FixProvider.kinds }),
      vscode.languages.registerCodeActionsProvider(files, new FixAllProvider(c), { providedCodeActionKinds: FixAllProvider.kinds }),
      vscode.languages.registerCodeActionsProvider(files, new ValidatorFixProvider(c), { providedCodeActionKinds: ValidatorFixProvider.kinds }),
      vscode.languages.registerHoverProvider(files, new ContextHoverProvider(c)),
      vscode.workspace.registerTextDocumentContentProvider(DOCS_SCHEME, new RuleDocsProvider(context.extensionUri)),
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposed),
      proposed,
      approvals,
      profiles,
      lab,
      labView,
      // Every command, from the one table (vscode/commands.ts).
      ...registerCommands(
        {
          ctx: c,
          config: new ConfigCommands(c, proposed, approvals),
          approvals,
          profiles,
          lab,
          labView,
          sweep,
          prove,
          probes: { promptSections: (o) => probePromptSections(c, proposed, o), codewords: (o) => probeCodewords(c, lab, profiles, o), wire: (kind, o) => probeOverWire(c, lab, profiles, kind, o) },
          openWalkthrough: () => openWalkthrough(context),
        },
        c.log,
      ),
    );
    openWalkthroughOnFirstRun(context);
    // The first check runs after activation returns: locate, `openclaw --version`, the servers.
    setTimeout(() => void c.refresh({ inspectServers: true, recheckVersion: true }), 0);
    const activateMs = performance.now() - t0;
    c.log.info(`activated in ${activateMs.toFixed(1)} ms`);
    return {
      activateMs,
      firstDiagnosticsMs: () => firstDiagnosticsMs,
      state: () => ({ ...stateJson(c), profile: profiles.status }),
      refresh: (opts?: RefreshOptions) => c.refresh({ inspectServers: true, validate: true, ...opts }),
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
