import * as vscode from 'vscode';
import { splitMessage, type Finding, type Severity } from '../core/findings.js';
import type { Range } from '../core/text.js';
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
