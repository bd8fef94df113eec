import * as vscode from 'vscode';
import { PROPOSED_SCHEME } from './proposed.js';
import { PendingQuestion, STALE_APPLY } from '../core/pending.js';

/**
 * Approving a proposed change without a modal in the way: the diff stays readable and scrollable while a
 * notification asks, and the diff's title bar carries the same Apply / Discard. Whichever answers first
 * decides; dismissing the notification or closing the diff discards.
 */
export class Approvals implements vscode.Disposable {
  private readonly question = new PendingQuestion();
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.disposables = [
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        // The proposal's diff closed while the question was open: that is a "no".
        if (this.question.waiting && e.closed.some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === PROPOSED_SCHEME)) this.answer(false);
      }),
    ];
  }

  /** Asks `question` (one line; the diff shows the details) and resolves true for Apply. */
  async ask(question: string): Promise<boolean> {
    // A newer question replaces an older one; a notification answers only its own question, so an old one
    // left in the notification centre cannot apply a later proposal.
    const { id, answer } = this.question.open();
    await vscode.commands.executeCommand('setContext', 'localAiLab.approvalPending', true);
    void vscode.window.showInformationMessage(question, 'Apply', 'Discard').then((pick) => {
      const stale = this.question.fromNotification(pick, id);
      if (stale) void vscode.window.showInformationMessage(stale);
    });
    try {
      return await answer;
    } finally {
      if (!this.question.waiting) await vscode.commands.executeCommand('setContext', 'localAiLab.approvalPending', false);
    }
  }

  /** The diff's title-bar Apply / Discard. */
  answer(ok: boolean): void {
    if (!this.question.answer(ok) && ok) void vscode.window.showInformationMessage(STALE_APPLY);
  }

  dispose(): void {
    this.answer(false);
    for (const d of this.disposables) d.dispose();
  }
}
