/** OpenClaw calendar versions: YEAR.MONTH.PATCH, e.g. "OpenClaw 2026.9.6 (eb377ac)". */
export interface OpenClawVersion {
  readonly year: number;
  readonly month: number;
  readonly patch: number;
}

/** The newest release this knowledge base describes; assumed when none is installed. */
export const NEWEST_KNOWN: OpenClawVersion = { year: 2026, month: 9, patch: 6 };

export function parseVersion(text: string): OpenClawVersion | undefined {
  const m = /(\d{4})\.(\d{1,2})\.(\d{1,3})/.exec(text);
  if (!m) return undefined;
  return { year: Number(m[1]), month: Number(m[2]), patch: Number(m[3]) };
}

export function v(text: string): OpenClawVersion {
  const parsed = parseVersion(text);
  if (!parsed) throw new Error(`not a version: ${text}`);
  return parsed;
}

export function compareVersions(a: OpenClawVersion, b: OpenClawVersion): number {
  return a.year - b.year || a.month - b.month || a.patch - b.patch;
}

export function atLeast(a: OpenClawVersion, b: OpenClawVersion): boolean {
  return compareVersions(a, b) >= 0;
}

export function formatVersion(ver: OpenClawVersion): string {
  return `${ver.year}.${ver.month}.${ver.patch}`;
}
