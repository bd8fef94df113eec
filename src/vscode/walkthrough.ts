import * as vscode from 'vscode';

/** The walkthrough's id in package.json (`contributes.walkthroughs`). */
export const WALKTHROUGH = 'localAiLab.gettingStarted';
/** Set once the walkthrough has been opened on first run: it opens once per installation, not per window. */
export const SHOWN_KEY = 'localAiLab.walkthroughShown';

/** **Local AI Lab: Get Started**. */
export function openWalkthrough(context: vscode.ExtensionContext): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH}`, false);
}

/**
 * Getting Started opens the first time the extension runs — unless the user told VS Code not to open
 * walkthroughs on install, or this is an extension test run (the integration tests' editors stay theirs).
 * **Local AI Lab: Get Started** opens it any time.
 */
export function openWalkthroughOnFirstRun(context: vscode.ExtensionContext): void {
  const openOnInstall = vscode.workspace.getConfiguration('workbench').get<boolean>('welcomePage.walkthroughs.openOnInstall', true);
  if (!context.globalState.get<boolean>(SHOWN_KEY) && openOnInstall && context.extensionMode !== vscode.ExtensionMode.Test) {
    void context.globalState.update(SHOWN_KEY, true).then(() => openWalkthrough(context));
  }
}
