import * as vscode from 'vscode';
import { PROPOSED_SCHEME } from './proposed.js';

/**
 * Approving a proposed change without a modal in the way: the diff stays readable and scrollable while a
 * notification asks, and the diff's title bar carries the same Apply / Discard. Whichever answers first
 * decides; dismissing the notification or closing the diff discards.
 */
export class Approvals implements vscode.Disposable {
  private pending: ((ok: boolean) => void) | undefined;
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.disposables = [
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        // The proposal's diff closed while the question was open: that is a "no".
        if (this.pending && e.closed.some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === PROPOSED_SCHEME)) this.answer(false);
      }),
    ];
  }

  /** Asks `question` (one line; the diff shows the details) and resolves true for Apply. */
  async ask(question: string): Promise<boolean> {
    this.answer(false); // a newer question replaces an older one
    const answer = new Promise<boolean>((resolve) => (this.pending = resolve));
    await vscode.commands.executeCommand('setContext', 'localAiLab.approvalPending', true);
    void vscode.window.showInformationMessage(question, 'Apply', 'Discard').then((pick) => this.answer(pick === 'Apply'));
    try {
      return await answer;
    } finally {
      await vscode.commands.executeCommand('setContext', 'localAiLab.approvalPending', false);
    }
  }

  answer(ok: boolean): void {
    const p = this.pending;
    this.pending = undefined;
    p?.(ok);
  }

  dispose(): void {
    this.answer(false);
    for (const d of this.disposables) d.dispose();
  }
}
