import * as z from 'zod/mini';

/** A profile as an operator writes it in `localAiLab.profiles` (and as built-ins are declared). */
const modelRef = z.string().check(z.regex(/^[^/\s]+\/\S+$/, 'a "provider/model" reference'));
const PrimarySchema = z.strictObject({
  model: z.optional(modelRef),
  context: z.optional(z.union([z.int().check(z.gte(4096)), z.literal('max')])),
});
const CompactorSchema = z.strictObject({
  model: z.optional(modelRef),
  context: z.optional(z.int().check(z.gte(4096))),
});
const CompactionSchema = z.strictObject({
  mode: z.optional(z.enum(['default', 'safeguard'])),
  recentTurnsPreserve: z.optional(z.int().check(z.gte(0), z.lte(12))),
  keepRecentTokens: z.optional(z.int().check(z.gte(1))),
});

/** A profile as an operator writes it in `localAiLab.profiles` (and as built-ins are declared). */
export const ProfileDefSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40')),
  description: z.optional(z.string()),
  whenItWins: z.optional(z.string()),
  primary: z.optional(PrimarySchema),
  /** null: no compactor (the primary compacts its own history). */
  compactor: z.optional(z.nullable(CompactorSchema)),
  /** The runtime budget C (contextTokens). */
  budget: z.optional(z.int().check(z.gte(4096))),
  compaction: z.optional(CompactionSchema),
});

/** The fields each object of a profile may hold, for naming an unknown one (taken from the schemas above). */
const FIELDS: Record<string, readonly string[]> = {
  '': Object.keys(ProfileDefSchema.def.shape),
  primary: Object.keys(PrimarySchema.def.shape),
  compactor: Object.keys(CompactorSchema.def.shape),
  compaction: Object.keys(CompactionSchema.def.shape),
};

/** The known field a misspelt one most likely meant (edit distance ≤ 2), if any. */
function nearest(word: string, known: readonly string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  const best = known.map((k) => ({ k, d: dist(word, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? best.k : undefined;
}

/** zod/mini's issues say only "Invalid input": say what is wrong in words, naming an unknown field and what was meant. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = FIELDS[where] ?? [];
      return issue.keys
        .map((k) => {
          const near = nearest(k, known);
          return `unknown field "${k}"${near ? ` (did you mean "${near}"?)` : known.length ? ` (a profile${where ? `'s ${where}` : ''} has ${known.join(', ')})` : ''}`;
        })
        .join('; ');
    }
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}`;
    case 'too_small':
      return `at least ${String(issue.minimum)}`;
    case 'too_big':
      return `at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((x) => JSON.stringify(x)).join(', ')}`;
    case 'invalid_union':
      return where === 'primary.context' ? 'a whole number of at least 4096, or "max"' : 'not a valid value';
    default:
      return issue.message;
  }
}

export type ProfileDef = z.infer<typeof ProfileDefSchema>;

export type ValueSource = 'validated' | 'derived' | 'user';

export interface Sourced<T> {
  readonly value: T;
  readonly source: ValueSource;
  /** How it was derived or why it was capped. */
  readonly note?: string;
}

export interface ModelTarget {
  readonly ref: string;
  readonly providerId: string;
  readonly modelId: string;
  readonly context: Sourced<number>;
}

/** A profile resolved against this machine, this config and these servers. */
export interface ProfileTarget {
  readonly name: string;
  readonly builtin: boolean;
  readonly description: string;
  readonly whenItWins: string;
  readonly primary: ModelTarget;
  /** Undefined: no compactor. */
  readonly compactor?: ModelTarget;
  readonly budget: Sourced<number>;
  readonly mode?: Sourced<'default' | 'safeguard'>;
  readonly recentTurnsPreserve?: Sourced<number>;
  readonly keepRecentTokens?: Sourced<number>;
  readonly notes: readonly string[];
}

/** Validates user profiles; every problem names the profile and the field. */
export function parseUserProfiles(value: unknown): { profiles: ProfileDef[]; errors: string[] } {
  if (value === undefined || value === null) return { profiles: [], errors: [] };
  if (!Array.isArray(value)) return { profiles: [], errors: ['localAiLab.profiles must be an array of profiles'] };
  const profiles: ProfileDef[] = [];
  const errors: string[] = [];
  value.forEach((item, i) => {
    const r = ProfileDefSchema.safeParse(item);
    const label = typeof (item as { name?: unknown })?.name === 'string' ? `"${(item as { name: string }).name}"` : `#${i + 1}`;
    if (r.success) profiles.push(r.data);
    else for (const issue of r.error.issues) errors.push(`localAiLab.profiles[${i}] (${label}) ${issue.path.length ? issue.path.join('.') : 'profile'}: ${describeIssue(issue)}`);
  });
  return { profiles, errors };
}
