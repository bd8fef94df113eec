import * as vscode from 'vscode';
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
    return extractSection(text, docsAnchor(rule as RuleId), rule) ?? `# ${rule}\n\nNo documentation found for this rule.`;
  }
}

/** The `### <code>rule</code>` section with `<a id="rule-…">` before it, up to the next heading of that level. */
export function extractSection(readme: string, anchor: string, rule: string): string | undefined {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.includes(`id="${anchor}"`) || l.startsWith(`### \`${rule}\``));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !/^#{1,3} /.test(lines[end]!)) end++;
  if (lines[end]?.startsWith('### ') && lines[start]!.includes('id=')) {
    end++;
    while (end < lines.length && !/^#{1,3} /.test(lines[end]!)) end++;
  }
  return lines.slice(start, end).filter((l) => !l.includes(`id="${anchor}"`)).join('\n').trim();
}
