import * as vscode from 'vscode';

export const PROPOSED_SCHEME = 'local-ai-lab-proposed';

/** Serves proposed versions of openclaw.json (profile plans, migrations) for the diff editor. */
export class ProposedConfigProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.emitter.fire(uri);
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
  dispose(): void {
    this.emitter.dispose();
  }
}
