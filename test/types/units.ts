/**
 * Checked by `npm run typecheck`, never run: each `@ts-expect-error` below fails the typecheck if the line
 * under it ever compiles. They are the unit mistakes the types exist to stop — first the one Make Config
 * Valid shipped (the validate timeout, already in milliseconds, multiplied by 1000 again).
 */
import type { MigrationOptions } from '../../src/core/migrate/run.js';
import type { RunOptions } from '../../src/core/openclaw/cli.js';
import type { RepairOptions } from '../../src/core/openclaw/repair.js';
import { millis, seconds, toMillis, type Millis, type Seconds } from '../../src/core/units.js';
import type { Settings } from '../../src/vscode/options.js';

declare const validateTimeoutMs: Millis;
declare const settings: Settings;

export const migration: Pick<MigrationOptions, 'timeoutMs'>[] = [
  { timeoutMs: validateTimeoutMs },
  { timeoutMs: toMillis(settings.validateTimeout) },
  // @ts-expect-error -- the old bug: Millis × 1000 is a plain number, not Millis (8 h 20 min instead of 30 s)
  { timeoutMs: validateTimeoutMs * 1000 },
  // @ts-expect-error -- the same bug on today's setting: seconds × 1000 must go through toMillis()
  { timeoutMs: settings.validateTimeout * 1000 },
  // @ts-expect-error -- seconds are not milliseconds
  { timeoutMs: settings.validateTimeout },
];

export const validate: Pick<RunOptions, 'timeoutMs'>[] = [
  { timeoutMs: millis(60_000) },
  // @ts-expect-error -- a bare number says nothing about its unit
  { timeoutMs: 60_000 },
];

export const repair: RepairOptions[] = [
  { timeoutMs: toMillis(seconds(180)) },
  // @ts-expect-error -- seconds are not milliseconds
  { timeoutMs: seconds(180) },
];

// @ts-expect-error -- milliseconds are not seconds
export const notSeconds: Seconds = millis(30_000);
