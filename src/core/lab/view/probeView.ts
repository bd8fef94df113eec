import * as z from 'zod/mini';

/**
 * What the Lab panel draws for a wire probe (#24: prefix-stability, tools, fill): plain data the webview can
 * validate without any of the probe's code (this module imports nothing but zod, so the webview bundle stays small).
 */
export const PROBE_KINDS = ['prefix-stability', 'tools', 'fill', 'tool-fidelity'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

const Tone = z.enum(['good', 'bad', 'warn', 'none']);
export type Tone = z.infer<typeof Tone>;

/** What the Lab panel draws for a probe: a headline, a table (keyboard-reachable), and optionally a curve. */
export const ProbeViewSchema = z.object({
  kind: z.enum(PROBE_KINDS),
  title: z.string(),
  /** The verdict in words, and how it reads. */
  verdict: z.string(),
  tone: Tone,
  notes: z.array(z.string()),
  table: z.object({
    caption: z.string(),
    columns: z.array(z.string()),
    rows: z.array(z.object({ cells: z.array(z.string()), tone: Tone })),
  }),
  /** A curve over turns or requests (fill: prompt tokens per turn; prefix-stability: prefill per request). */
  curve: z.optional(
    z.object({
      xLabel: z.string(),
      yLabel: z.string(),
      points: z.array(z.object({ x: z.number(), y: z.number(), tone: Tone, label: z.optional(z.string()) })),
      /** Horizontal lines: a limit or a threshold (registered C, predicted trigger, the server's loaded context). */
      levels: z.array(z.object({ y: z.number(), label: z.string() })),
      /** What each tone's line is (the legend); absent: the y label. */
      series: z.optional(z.array(z.object({ tone: Tone, label: z.string() }))),
      /** Vertical marks at an x: a compaction, a truncation, a cache bust. */
      marks: z.array(z.object({ x: z.number(), label: z.string(), tone: Tone })),
    }),
  ),
});
export type ProbeView = z.infer<typeof ProbeViewSchema>;

