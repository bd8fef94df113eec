import * as vscode from 'vscode';
import { settingsFrom, type Settings } from './options.js';

export type { Settings };

/**
 * The settings now. Machine-scoped ones (package.json) are never applied from workspace settings, and in a
 * remote window VS Code takes them from the remote machine's settings, so a workspace cannot redirect them.
 */
export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('localAiLab');
  return settingsFrom((key) => c.get<unknown>(key));
}
