import type { FileChange } from '../write/executor.js';
import type { ValidationResult } from '../openclaw/cli.js';
import { child, parseDocument, type ConfigDocument, type ObjectNode } from '../openclaw/document.js';
import { placeIssue } from '../openclaw/issues.js';
import { keyHistory } from '../openclaw/knowledge.js';
import { formatVersion, type OpenClawVersion } from '../openclaw/version.js';
import { observe } from '../check.js';
import { retiredKeyRule } from '../rules/keys.js';
import { applyEdits, type Range, type Span, type TextEdit } from '../text.js';
import { fixForIssue, pushDownProviderContext, type PlannedChange } from './fixes.js';
import { listToEntries, migrateContextTokens } from '../openclaw/migrations.js';
import { decisionFor, type Decision } from './decisions.js';
import { toValue } from '../openclaw/document.js';

export interface Change {
  readonly path: string;
  readonly action: 'remove' | 'move' | 'set';
  readonly to?: string;
  readonly reason: string;
}

export interface Removal {
  readonly path: string;
  readonly reason: string;
  /** The removed text, as it was, attached comments included. */
  readonly text: string;
}

export interface Remaining {
  readonly path: string;
  readonly message: string;
  readonly range?: Range;
  /** Why no fix was applied. */
  readonly why?: string;
  /** What a person must decide, with the choices OpenClaw accepts (undefined: not an explained kind). */
  readonly decision?: Decision;
}

export interface MigrateResult extends FileChange {
  readonly valid: boolean;
  readonly changes: readonly Change[];
  readonly removed: readonly Removal[];
  readonly remaining: readonly Remaining[];
  /** Set when the migration would gut the file: nothing is applied. */
  readonly refused?: string;
  readonly rounds: number;
}

export interface MigrateOptions {
  /** Runs the installed OpenClaw's validator on this text (as the config file). */
  readonly validate: (text: string) => Promise<ValidationResult>;
  readonly version: OpenClawVersion;
  readonly maxRounds?: number;
  /** Refuse a plan that removes more than half the file (only when OpenClaw's own repair did not judge it). */
  readonly refuseLargeRemovals?: boolean;
}

/** OpenClaw refuses writes that shrink the file by more than half; a repair should not do it either. */
export const MAX_REMOVED_SHARE = 0.5;

function overlaps(a: Span, taken: Span[]): boolean {
  return taken.some((b) => a[0] < b[1] && b[0] < a[1] || (a[0] === a[1] && a[0] >= b[0] && a[0] <= b[1]) || (b[0] === b[1] && b[0] >= a[0] && b[0] <= a[1]));
}

/** Knowledge-base moves for keys OpenClaw strips or rewrites at read (valid, but silently not applied). */
function knowledgeMove(doc: ConfigDocument, version: OpenClawVersion): PlannedChange | undefined {
  // Only retired-key's findings matter here: observe, and run that one rule.
  const obs = observe({ doc, version, machine: { totalMemoryBytes: 0, cpus: 0, platform: '' } }).observation;
  for (const f of retiredKeyRule.check(obs)) {
    const h = keyHistory(f.path);
    if (!h || h.effect === 'rejected' || f.file !== doc.file) continue;
    const parent = obs.config.root && f.path.slice(0, -1).reduce<ReturnType<typeof child>>((n, k) => child(n, k), obs.config.root);
    if (parent?.kind !== 'object') continue;
    const m = [...parent.members].reverse().find((x) => x.key === f.path[f.path.length - 1]);
    if (!m) continue;
    try {
      if (h.path === 'agents.list' && m.value.kind === 'array') {
        const list = m.value;
        const multi = list.items.length > 1 && !list.items.some((i) => child(i, 'default')?.kind === 'boolean' && (child(i, 'default') as { value: unknown }).value === true);
        return { path: f.path.join('.'), action: 'move', to: 'agents.entries', reason: h.reason, edits: listToEntries(obs, parent as ObjectNode, list, multi && !child(parent, 'ownership')) };
      }
      if (m.key === 'contextTokens') {
        const all = migrateContextTokens(obs, parent as ObjectNode, m);
        // The old member goes to the side file too: its comments must not vanish with it.
        const removedText = (all[all.length - 1] as { removedText?: string }).removedText;
        return { path: f.path.join('.'), action: 'move', to: 'models.providers.<provider>.models[].contextTokens', reason: h.reason, edits: { doc, edits: all.flatMap((d) => d.edits) }, removedText };
      }
    } catch {
      continue; // declined: leave it (it validates; the diagnostics still explain it)
    }
  }
  return pushDownProviderContext(doc, doc.root)[0];
}

/**
 * validate → fix → validate … until the installed OpenClaw accepts the file or no safe fix is left.
 * Edits only the changed spans; everything removed is returned (for the side file) with its comments.
 */
export async function migrateConfig(file: string, text: string, opts: MigrateOptions): Promise<MigrateResult> {
  const changes: Change[] = [];
  const removed: Removal[] = [];
  const declined = new Map<string, string>();
  let current = text;
  let last: ValidationResult | undefined;
  let rounds = 0;
  const max = opts.maxRounds ?? 12;
  for (; rounds < max; rounds++) {
    const doc = parseDocument(file, current);
    if (doc.error) break; // OpenClaw cannot read it; nothing here can be fixed safely
    last = await opts.validate(current);
    const planned: PlannedChange[] = [];
    const taken: Span[] = [];
    for (const issue of last.issues) {
      const fix = fixForIssue(doc, doc.root, issue, opts.version);
      if ('declined' in fix) {
        declined.set(`${issue.path}|${issue.message}`, fix.declined);
        continue;
      }
      for (const c of fix.changes) {
        const spans = c.edits.edits.map((e) => e.span);
        if (spans.some((sp) => overlaps(sp, taken))) continue; // next round
        taken.push(...spans);
        planned.push(c);
      }
    }
    if (planned.length === 0 && last.issues.length === 0) {
      const move = knowledgeMove(doc, opts.version);
      if (move) planned.push(move);
    }
    if (planned.length === 0) break;
    const edits: TextEdit[] = planned.flatMap((c) => c.edits.edits);
    const next = applyEdits(current, edits);
    if (parseDocument(file, next).error) break; // never leave a file OpenClaw cannot read
    current = next;
    for (const c of planned) {
      changes.push({ path: c.path, action: c.action, ...(c.to ? { to: c.to } : {}), reason: c.reason });
      if (c.removedText !== undefined) removed.push({ path: c.path, reason: c.reason, text: c.removedText });
    }
  }
  const finalDoc = parseDocument(file, current);
  const final = finalDoc.error ? undefined : current === text && last ? last : await opts.validate(current);
  const remaining: Remaining[] = [];
  if (finalDoc.error) remaining.push({ path: '<root>', message: `JSON5 parse failed: ${finalDoc.error.message}`, range: finalDoc.index.rangeOf(finalDoc.error.span), why: 'OpenClaw cannot read the file; fix the syntax by hand' });
  const finalTree = finalDoc.error ? undefined : toValue(finalDoc.root);
  for (const issue of final?.issues ?? []) {
    const placed = placeIssue(finalDoc.root, finalDoc, issue)[0];
    const decision = decisionFor(issue, finalTree, opts.version);
    remaining.push({ path: issue.path, message: issue.message, range: placed ? placed.doc.index.rangeOf(placed.span) : undefined, why: declined.get(`${issue.path}|${issue.message}`), ...(decision ? { decision } : {}) });
  }
  const removedBytes = removed.reduce((n, r) => n + r.text.length, 0);
  if (opts.refuseLargeRemovals !== false && removedBytes > MAX_REMOVED_SHARE * text.length) {
    return {
      file,
      before: text,
      after: text,
      valid: false,
      changes: [],
      removed: [],
      remaining: remaining.length ? remaining : [{ path: '<root>', message: 'most of this file is not OpenClaw configuration' }],
      refused: `the repair would remove ${Math.round((100 * removedBytes) / text.length)} % of the file (${removed.map((r) => r.path).join(', ')}): keys OpenClaw ${formatVersion(opts.version)} does not know, and its own repair did not run to judge them. Nothing was changed; install OpenClaw ${formatVersion(opts.version)} so its repair can decide, or move what you need by hand.`,
      rounds,
    };
  }
  return { file, before: text, after: current, valid: !finalDoc.error && (final?.valid ?? false), changes, removed, remaining, rounds };
}

/** The side file's text: JSON5 that keeps each removed member exactly as it was, comments included. */
export function sideFileText(file: string, removed: readonly Removal[], version: OpenClawVersion, now = new Date()): string {
  const lines = [
    `// Removed from ${file} by Local AI Lab on ${now.toISOString()}`,
    `// so that OpenClaw ${formatVersion(version)} accepts the file. Each entry keeps the removed text as it was.`,
    '{',
    '  removed: [',
  ];
  for (const r of removed) {
    lines.push('    {');
    lines.push(`      path: ${JSON.stringify(r.path)},`);
    lines.push(`      reason: ${JSON.stringify(r.reason)},`);
    lines.push('      was: {');
    // Exactly as it was, comments and multi-line strings included: re-indenting would change a string
    // continued across lines. JSON5 reads it back as the object it came from.
    lines.push(r.text);
    lines.push('      },');
    lines.push('    },');
  }
  lines.push('  ],', '}', '');
  return lines.join('\n');
}

export function sideFilePath(configPath: string, now = new Date()): string {
  return `${configPath}.removed-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json5`;
}
