import * as vscode from 'vscode';
import { splitMessage, type Finding, type Severity } from '../core/findings.js';
import { besideFindings, CHECKING_MARK, shownValidation } from '../core/openclaw/issues.js';
import { formatVersion } from '../core/openclaw/version.js';
import type { Range } from '../core/text.js';
import type { Snapshot } from './configState.js';
import { ruleDocsUri } from './docs.js';

export const SOURCE = 'Local AI Lab';
export const VALIDATOR_SOURCE = 'openclaw';

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/**
 * The Problems panel row says what is wrong in one sentence; the details (model, figures, fix) follow as related
 * information at the same place (a child row, and in the hover), and the rule's docs are the code's link.
 */
export function toDiagnostic(f: Finding): vscode.Diagnostic {
  const { head, rest } = splitMessage(f.message);
  const d = new vscode.Diagnostic(toRange(f.range), head, SEVERITY[f.severity]);
  d.source = SOURCE;
  d.code = { value: f.rule, target: ruleDocsUri(f.rule) };
  if (rest) d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(f.file), toRange(f.range)), rest)];
  return d;
}

/** OpenClaw's own words merged into one of ours: "OpenClaw 2026.9.6: Unrecognized key …". */
export const VALIDATOR_RELATED = /^OpenClaw \d+\.\d+\.\d+[^:]*: /;

/** Our diagnostic's rule id, or undefined for someone else's. */
export function ruleOf(d: vscode.Diagnostic): string | undefined {
  if (d.source !== SOURCE) return undefined;
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : typeof d.code === 'string' ? d.code : undefined;
}

/**
 * The Problems panel's two sources: ours (`local-ai-lab`) and OpenClaw's own validator (`openclaw`), published
 * from one snapshot of the config state. OpenClaw's are shown beside ours (it is the authority on validity) —
 * except where both speak of the same key at the same range: then one diagnostic, ours, carries OpenClaw's
 * message as related information, and both sets of fixes stay.
 */
export class DiagnosticsPublisher implements vscode.Disposable {
  private readonly ours = vscode.languages.createDiagnosticCollection('local-ai-lab');
  private readonly theirs = vscode.languages.createDiagnosticCollection('openclaw');

  publish(s: Snapshot): void {
    const findings = s.findings;
    const diags = findings.map(toDiagnostic);
    const theirs = new Map<string, vscode.Diagnostic[]>();
    // Issues about bytes the file no longer holds stay, marked, until OpenClaw's verdict on the new content
    // replaces them (a change on disk schedules that), as ESLint and rust-analyzer keep theirs.
    const { validation: v, checking } = shownValidation(s.validation, s.validatedHash, s.diskHash);
    const mark = (m: string) => (checking ? `${m}${CHECKING_MARK}` : m);
    const root = s.profiles?.obs.config.root;
    if (v && s.doc && root) {
      const version = s.version ? `OpenClaw ${formatVersion(s.version)}` : 'OpenClaw';
      // The same placement and merging as `local-ai-lab check`: one diagnostic where both speak of one key.
      const { issues, related } = besideFindings(findings, root, s.doc, v);
      for (const [i, messages] of related) {
        const d = diags[i]!;
        d.relatedInformation = [...(d.relatedInformation ?? []), ...messages.map((m) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(findings[i]!.file), d.range), `${version}: ${mark(m)}`))];
      }
      for (const issue of issues) {
        const d = new vscode.Diagnostic(toRange(issue.range), mark(issue.message), issue.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        d.source = VALIDATOR_SOURCE;
        theirs.set(issue.file, [...(theirs.get(issue.file) ?? []), d]);
      }
    }
    const ours = new Map<string, vscode.Diagnostic[]>();
    findings.forEach((f, i) => ours.set(f.file, [...(ours.get(f.file) ?? []), diags[i]!]));
    this.ours.clear();
    this.theirs.clear();
    for (const [file, list] of ours) this.ours.set(vscode.Uri.file(file), list);
    for (const [file, list] of theirs) this.theirs.set(vscode.Uri.file(file), list);
  }

  dispose(): void {
    this.ours.dispose();
    this.theirs.dispose();
  }
}
