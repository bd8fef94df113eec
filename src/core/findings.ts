import type { JsonPath } from './openclaw/document.js';
import type { RuleId } from './rules/registry.js';
import type { Range, Span, TextEdit } from './text.js';

export type Severity = 'error' | 'warning' | 'info';

/** Every rule id, derived from the rule objects (rules/registry.ts). */
export type { RuleId };

/** Something to do to a model server, planned by a fix and run by an executor. */
export type ServerAction =
  | {
      readonly kind: 'load';
      readonly runtime: 'lmstudio';
      readonly baseUrl: string;
      readonly modelKey: string;
      readonly identifier: string;
      readonly contextLength: number;
    }
  | { readonly kind: 'unload'; readonly runtime: 'lmstudio'; readonly baseUrl: string; readonly identifier: string }
  /** A server we cannot drive: tell the operator what to restart with which setting. */
  | { readonly kind: 'instruct'; readonly runtime: string; readonly text: string };

export interface FileEdits {
  readonly file: string;
  readonly edits: readonly TextEdit[];
}

export interface EditPlan {
  readonly edits: readonly FileEdits[];
  readonly actions: readonly ServerAction[];
}

/** A value a fix takes out of the config: every path that applies the fix keeps it in a side file beside the config. */
export interface Removed {
  readonly path: string;
  readonly reason: string;
  /** The removed text, as it was, attached comments included. */
  readonly text: string;
}

export interface Fix {
  readonly title: string;
  readonly preferred: boolean;
  /** Absent when the fix declined: then `declined` says why, in words the user can act on. */
  readonly plan?: EditPlan;
  readonly declined?: string;
  /** What the fix removes from the config (one policy: removed values always go to the side file). */
  readonly removes?: readonly Removed[];
}

export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly message: string;
  /** File the finding lands in (an `$include`d file when the value lives there). */
  readonly file: string;
  readonly path: JsonPath;
  readonly span: Span;
  readonly range: Range;
  readonly fixes: readonly Fix[];
}

/** The README anchor of a rule's section (`<a id="rule-…">`). */
export function docsAnchor(rule: string): string {
  return `rule-${rule}`;
}

/**
 * The first sentence of a finding's message: what is wrong and what follows from it, which is what a
 * Problems-panel row shows; the rest explains. A sentence ends at `.`, `!` or `?` before a space or the end —
 * not inside `2026.9.6`, `openclaw.json` or after `e.g.`.
 */
export function firstSentence(message: string): string {
  const end = /[.!?](?=\s|$)/g;
  for (let m = end.exec(message); m; m = end.exec(message)) {
    const head = message.slice(0, m.index + 1);
    if (!/\b(?:e\.g|i\.e|vs|cf)\.$/i.test(head)) return head;
  }
  return message;
}

/**
 * A finding's message as the Problems panel shows it: the first sentence (what is wrong and what follows) — with a
 * staleness mark "(as of …)" kept beside it — and the rest (the model, the figures, the fix) for the details.
 */
export function splitMessage(message: string): { head: string; rest: string } {
  const stale = /\s*\(as of [^)]*\)\s*$/.exec(message);
  const base = stale ? message.slice(0, stale.index) : message;
  const head = firstSentence(base);
  return { head: stale ? `${head} ${stale[0].trim()}` : head, rest: base.slice(head.length).trim() };
}
