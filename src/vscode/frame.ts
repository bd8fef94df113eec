import * as vscode from 'vscode';
import { ConfigRejected } from '../core/lab/session.js';
import { COMMANDS, type CommandDef, type Services } from './commands.js';
import { redactCredentials } from '../core/servers/address.js';

/** The one refusal of every command that needs trust (the table marks them `trusted`). */
const UNTRUSTED =
  'Lab runs, sweeps and probes are off in an untrusted workspace: they run programs (openclaw, a workload\'s verify command) named by files in this folder. Trust the workspace to run them.';

/** Shows an error once, with "Show Logs"; it is in the log already. */
/** A failure said once, with the way to its fix when there is one (a config OpenClaw rejects: Make Config Valid). */
export function showError(log: vscode.LogOutputChannel, message: string, cause?: unknown): void {
  const fix = cause instanceof ConfigRejected ? 'Make Config Valid' : undefined;
  void vscode.window.showErrorMessage(redactCredentials(message), ...(fix ? [fix] : []), 'Show Logs').then((pick) => {
    if (pick === 'Show Logs') log.show();
    else if (pick && pick === fix) void vscode.commands.executeCommand('localAiLab.makeConfigValid');
  });
}

/**
 * Registers every row of the command table. Before a handler runs: its arguments — which a keybinding, a URI or
 * another extension can supply — are checked against its schema, and a `trusted` command is refused in an
 * untrusted workspace. A handler that throws is logged and said once; the caller gets undefined.
 * (rust-analyzer's command table, with validation added.)
 */
export function registerCommands(services: Services, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return (Object.entries(COMMANDS) as [string, CommandDef][]).map(([id, def]) =>
    vscode.commands.registerCommand(id, async (...raw: unknown[]) => {
      // VS Code passes trailing undefineds for omitted arguments; drop them before validating.
      while (raw.length && raw[raw.length - 1] === undefined) raw.pop();
      const parsed = def.args.safeParse(raw);
      if (!parsed.success) {
        const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
        void vscode.window.showErrorMessage(`Local AI Lab: ${id} was called with arguments it does not take (${why}).`);
        return undefined;
      }
      if (def.trusted && !vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage(UNTRUSTED, 'Manage Workspace Trust').then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
        return undefined;
      }
      try {
        return await def.run(services, ...parsed.data);
      } catch (err) {
        log.error(`${id} failed`, err);
        showError(log, `Local AI Lab: ${id} failed: ${(err as Error).message}`);
        return undefined;
      }
    }),
  );
}

/** What an operation's body gets: a signal that aborts on Cancel (and when the extension stops), and progress. */
export interface OperationContext {
  readonly signal: AbortSignal;
  /** As vscode.Progress: a stage message, and an increment out of 100. */
  report(step: { message?: string; increment?: number }): void;
}

export interface OperationOptions {
  /** The failure's first words; default "<title> failed". A function gets the error and says it all. */
  readonly failure?: string | ((err: Error) => string);
  /** `window`: a quiet status-bar spinner for short waits the user need not watch (no Cancel). Default a notification with Cancel. */
  readonly location?: 'notification' | 'window';
}

/**
 * One user-visible wait: progress, Cancel bridged to an AbortSignal (which also aborts when `lifetime` does),
 * and the failure logged and said once with "Show Logs". Resolves with the body's value, or undefined when it
 * threw — quietly after a Cancel, which the user asked for and needs no error for.
 */
export async function operation<T>(log: vscode.LogOutputChannel, lifetime: AbortSignal, title: string, body: (op: OperationContext) => Promise<T>, opts: OperationOptions = {}): Promise<T | undefined> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  if (lifetime.aborted) stop();
  lifetime.addEventListener('abort', stop);
  try {
    const notification = opts.location !== 'window';
    return await vscode.window.withProgress({ location: notification ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window, title, cancellable: notification }, (progress, token) => {
      if (token.isCancellationRequested) stop();
      const sub = token.onCancellationRequested(stop);
      return body({ signal: abort.signal, report: (step) => progress.report(step) }).finally(() => sub.dispose());
    });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    if (abort.signal.aborted) {
      log.info(`${title}: cancelled (${e.message})`);
      return undefined;
    }
    log.error(`${title}: ${e.message}`, e);
    showError(log, typeof opts.failure === 'function' ? opts.failure(e) : `${opts.failure ?? `${title} failed`}: ${e.message}`, e);
    return undefined;
  } finally {
    lifetime.removeEventListener('abort', stop);
  }
}
