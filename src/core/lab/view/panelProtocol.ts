import * as z from 'zod/mini';
import { TimelineViewSchema } from './timelineView.js';
import { ProbeViewSchema } from './probeView.js';

/** Messages between the lab panel and the extension: typed, validated on both sides, unknown ones ignored. */
const IntervalSchema = z.object({ value: z.number(), low: z.number(), high: z.number() });
const n = z.nullable(z.number());

export const PointSchema = z.object({
  session: z.string(),
  index: z.int().check(z.gte(0)),
  seconds: z.number(),
  cluster: z.enum(['fast', 'slow', 'none']),
  tentative: z.optional(z.boolean()),
  outcome: z.enum(['completed', 'missed', 'failed']),
  outputFile: z.string(),
  strategy: z.optional(z.nullable(z.enum(['all-at-once', 'step-by-step']))),
  /** Anomalies the wire and the sampler saw in this dispatch (absent: recorded without them). */
  anomalies: z.optional(z.int()),
});

export const RowSchema = z.object({
  session: z.string(),
  workload: z.string(),
  profile: z.nullable(z.string()),
  n: z.int(),
  median: n,
  p10: n,
  p90: n,
  slowRate: z.nullable(IntervalSchema),
  tentative: z.optional(z.boolean()),
  notes: z.optional(z.array(z.string())),
  completion: IntervalSchema,
  compactions: z.number(),
  ttftMs: n,
  tokensPerSecond: n,
  /** What the dispatches did per cluster and the compaction tax, in words (evidenceLines). */
  evidence: z.optional(z.array(z.string())),
});

/** `timeline` only when the panel shows one session (a comparison shows the per-request medians instead). */
export const PanelSessionSchema = z.object({ id: z.string(), label: z.string(), points: z.array(PointSchema), row: RowSchema, timeline: z.optional(TimelineViewSchema) });
export type PanelSession = z.infer<typeof PanelSessionSchema>;

/** A codeword probe's survival matrix (core/lab/codewords.ts `codewordView`). */
export const CodewordViewSchema = z.object({
  title: z.string(),
  head: z.array(z.string()),
  tables: z.array(z.object({ caption: z.string(), rows: z.array(z.array(z.string())), notes: z.array(z.string()) })),
  summary: z.string(),
});

export type CodewordView = z.infer<typeof CodewordViewSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  /** Show these sessions (two or more: the comparison view); a sweep names its group in `title`. */
  z.object({ type: z.literal('show'), sessions: z.array(PanelSessionSchema), title: z.optional(z.string()), differences: z.optional(z.array(z.object({ label: z.string(), value: z.string() }))) }),
  /** Show a codeword probe's survival matrix instead of sessions. */
  z.object({ type: z.literal('codewords'), id: z.string(), view: CodewordViewSchema }),
  /** Show a wire probe's result (prefix-stability, tools, fill) instead of sessions. */
  z.object({ type: z.literal('probe'), id: z.string(), view: ProbeViewSchema }),
  /** One more dispatch of a running session. */
  z.object({ type: z.literal('dispatch'), session: PanelSessionSchema }),
  /** A timeline alone, read-only (a darkmux file). */
  z.object({ type: z.literal('timeline'), title: z.string(), view: TimelineViewSchema }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const PanelMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('openDispatch'), session: z.string(), index: z.int().check(z.gte(0)) }),
  z.object({ type: z.literal('export'), format: z.enum(['markdown', 'csv']), target: z.enum(['clipboard', 'file']) }),
  z.object({ type: z.literal('rendered'), points: z.int(), ms: z.number() }),
]);
export type PanelMessage = z.infer<typeof PanelMessageSchema>;
