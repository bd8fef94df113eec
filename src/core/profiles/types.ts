import * as z from 'zod/mini';

/** A profile as an operator writes it in `localAiLab.profiles` (and as built-ins are declared). */
export const ProfileDefSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40')),
  description: z.optional(z.string()),
  whenItWins: z.optional(z.string()),
  primary: z.optional(
    z.strictObject({
      model: z.optional(z.string().check(z.regex(/^[^/\s]+\/\S+$/, 'a "provider/model" reference'))),
      context: z.optional(z.union([z.int().check(z.gte(4096)), z.literal('max')])),
    }),
  ),
  /** null: no compactor (the primary compacts its own history). */
  compactor: z.optional(
    z.nullable(
      z.strictObject({
        model: z.optional(z.string().check(z.regex(/^[^/\s]+\/\S+$/, 'a "provider/model" reference'))),
        context: z.optional(z.int().check(z.gte(4096))),
      }),
    ),
  ),
  /** The runtime budget C (contextTokens). */
  budget: z.optional(z.int().check(z.gte(4096))),
  compaction: z.optional(
    z.strictObject({
      mode: z.optional(z.enum(['default', 'safeguard'])),
      recentTurnsPreserve: z.optional(z.int().check(z.gte(0), z.lte(12))),
      keepRecentTokens: z.optional(z.int().check(z.gte(1))),
    }),
  ),
});
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
    else for (const issue of r.error.issues) errors.push(`localAiLab.profiles[${i}] (${label}) ${issue.path.length ? issue.path.join('.') : 'profile'}: ${issue.message}`);
  });
  return { profiles, errors };
}
