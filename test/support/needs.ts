import { openclawExecutable, openclawOldExecutable } from './openclaw.js';

/**
 * The one "needs a real tool" skip of the test tiers that run real programs (test/real, test/slow).
 * scripts/test.mjs installs the tools (scripts/tools.mjs) and passes their paths in LAL_NODE24_BIN,
 * LAL_OPENCLAW_ENTRY and LAL_OPENCLAW_OLD_ENTRY. A test file run some other way (a bare `node --test`)
 * has none of them and is skipped with the reason; under CI a missing tool fails the test instead,
 * because CI must prove what these tests prove.
 */
export function skipUnless(present: boolean, what: string): false | string {
  if (present || process.env.CI) return false;
  return `needs ${what}: run it through npm test or npm run test:slow, which install the tools and pass their paths`;
}

/** OpenClaw 2026.9.6 as an executable (a wrapper that runs it under Node 24), and the `skip` option for tests that need it. */
export function needsOpenclaw(): { exe: string | undefined; skip: false | string } {
  const exe = openclawExecutable();
  return { exe, skip: skipUnless(!!exe, 'the real OpenClaw 2026.9.6 under Node 24') };
}

/** Both OpenClaw releases the tests judge plans with: 2026.9.6 and 2026.5.28 (the pre-2026.8 schema). */
export function needsOpenclawReleases(): { releases: { version: string; exe: string | undefined }[]; skip: false | string } {
  const releases = [
    { version: '2026.9.6', exe: openclawExecutable() },
    { version: '2026.5.28', exe: openclawOldExecutable() },
  ];
  return { releases, skip: skipUnless(releases.every((r) => r.exe), 'the real OpenClaw 2026.9.6 and 2026.5.28 under Node 24') };
}
