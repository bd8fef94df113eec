/**
 * How contexts scale with this machine's memory and the primary model's size, after darkmux's tiers
 * (reference/darkmux.md §5). darkmux measured on Apple Silicon with unified memory; on other machines the
 * same table is a starting point, and the UI says such values are derived.
 */
export type MemoryTier = 'small' | 'medium' | 'large' | 'xl';
export type SizeBucket = 'tiny' | 'small' | 'medium' | 'large' | 'xl';
export type TaskClass = 'single-turn' | 'mid-range' | 'long-agentic';

const GB = 1e9;

/** darkmux RAM tiers: 0–32 GB small, 33–64 medium, 65–96 large, 97+ xl. */
export function memoryTier(totalMemoryBytes: number): MemoryTier {
  const gb = totalMemoryBytes / GB;
  if (gb <= 34.4) return 'small'; // 32 GiB machines report 34.4 GB
  if (gb <= 68.8) return 'medium';
  if (gb <= 103.1) return 'large';
  return 'xl';
}

/** By parameters (billions) when known, else by file size. */
export function sizeBucket(paramsB: number | undefined, sizeBytes: number | undefined): SizeBucket | undefined {
  if (paramsB !== undefined) {
    if (paramsB < 8) return 'tiny';
    if (paramsB < 15) return 'small';
    if (paramsB < 50) return 'medium';
    if (paramsB < 100) return 'large';
    return 'xl';
  }
  if (sizeBytes !== undefined) {
    const gb = sizeBytes / GB;
    if (gb < 8) return 'tiny';
    if (gb < 16) return 'small';
    if (gb < 60) return 'medium';
    if (gb < 100) return 'large';
    return 'xl';
  }
  return undefined;
}

export interface TierCell {
  /** Primary context; 'max' = the model's maximum. */
  readonly primary: number | 'max';
  /** Compactor context when the table pairs one. */
  readonly compactor?: number;
}

const K = 1024;
type Row = Record<'single-turn' | 'mid-range' | 'long-agentic', TierCell>;
const tinySmall: Row = { 'single-turn': { primary: 32 * K }, 'mid-range': { primary: 64 * K }, 'long-agentic': { primary: 131072 } };

/** darkmux's table by memory column (128 = large/xl, 64 = medium, 32 = small). */
const TABLE: Record<SizeBucket, Record<'128' | '64' | '32', Row>> = {
  tiny: { '128': tinySmall, '64': tinySmall, '32': tinySmall },
  small: { '128': tinySmall, '64': tinySmall, '32': tinySmall },
  medium: {
    '128': { 'single-turn': { primary: 32 * K }, 'mid-range': { primary: 101000, compactor: 68000 }, 'long-agentic': { primary: 'max', compactor: 120000 } },
    '64': { 'single-turn': { primary: 32 * K }, 'mid-range': { primary: 64 * K, compactor: 32 * K }, 'long-agentic': { primary: 131072, compactor: 64 * K } },
    '32': { 'single-turn': { primary: 32 * K }, 'mid-range': { primary: 64 * K }, 'long-agentic': { primary: 64 * K, compactor: 32 * K } },
  },
  large: {
    '128': { 'single-turn': { primary: 32 * K }, 'mid-range': { primary: 64 * K, compactor: 32 * K }, 'long-agentic': { primary: 101000, compactor: 64 * K } },
    '64': { 'single-turn': { primary: 32 * K }, 'mid-range': { primary: 32 * K }, 'long-agentic': { primary: 64 * K, compactor: 32 * K } },
    '32': { 'single-turn': { primary: 16 * K }, 'mid-range': { primary: 32 * K }, 'long-agentic': { primary: 64 * K } },
  },
  xl: {
    '128': { 'single-turn': { primary: 32 * K }, 'mid-range': { primary: 50000, compactor: 32 * K }, 'long-agentic': { primary: 101000, compactor: 64 * K } },
    '64': { 'single-turn': { primary: 16 * K }, 'mid-range': { primary: 32 * K }, 'long-agentic': { primary: 32 * K } },
    '32': { 'single-turn': { primary: 8 * K }, 'mid-range': { primary: 16 * K }, 'long-agentic': { primary: 32 * K } },
  },
};

export function tierCell(tier: MemoryTier, bucket: SizeBucket, cls: TaskClass): TierCell {
  const col = tier === 'large' || tier === 'xl' ? '128' : tier === 'medium' ? '64' : '32';
  return TABLE[bucket][col][cls];
}

/** The cell the operators measured (M-series, 128 GB, a ~30B model): its values are validated, the rest derived. */
export function isValidatedCell(tier: MemoryTier, bucket: SizeBucket): boolean {
  return (tier === 'large' || tier === 'xl') && bucket === 'medium';
}
