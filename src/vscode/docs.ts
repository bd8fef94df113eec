import * as vscode from 'vscode';
import { extractSection } from '../core/docs.js';
import { docsAnchor, type RuleId } from '../core/findings.js';

export const DOCS_SCHEME = 'local-ai-lab-docs';

/** The diagnostic code's link: a read-only page with the rule's README section, offline. */
export function ruleDocsUri(rule: RuleId): vscode.Uri {
  return vscode.Uri.from({ scheme: DOCS_SCHEME, path: `/${rule}.md` });
}

/** Serves `local-ai-lab-docs:/<rule>.md` from the README shipped with the extension. */
export class RuleDocsProvider implements vscode.TextDocumentContentProvider {
  private readme: Thenable<string> | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const rule = uri.path.replace(/^\//, '').replace(/\.md$/, '');
    this.readme ??= vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, 'README.md')).then((b) => new TextDecoder().decode(b));
    const text = await this.readme;
    return extractSection(text, docsAnchor(rule as RuleId)) ?? `# ${rule}\n\nNo documentation found for this rule.`;
  }
}
