import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { millis, seconds, toMillis, toSeconds } from '../../src/core/units.js';
import { repairOptions, settingsFrom, validatorOptions } from '../../src/vscode/options.js';

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const contributed: Record<string, { default?: unknown }> = Object.assign({}, ...pkg.contributes.configuration.map((g: { properties: object }) => g.properties));
/** The settings as a fresh install has them: package.json's defaults. */
const fresh = settingsFrom((key) => contributed[`localAiLab.${key}`]?.default);
const withSetting = (key: string, value: unknown) => settingsFrom((k) => (k === key ? value : contributed[`localAiLab.${k}`]?.default));

describe('units', () => {
  it('converts seconds to milliseconds and back', () => {
    assert.equal(toMillis(seconds(30)), 30_000);
    assert.equal(toSeconds(millis(1500)), 1.5);
  });
});

describe('the editor settings, and what core calls get from them', () => {
  it('Make Config Valid gives OpenClaw 30 000 ms per run for the default 30 s (not 30 000 000)', () => {
    assert.equal(contributed['localAiLab.openclaw.validateTimeoutSeconds']!.default, 30);
    assert.deepEqual(repairOptions(fresh), { executable: 'openclaw', timeoutMs: 30_000 });
  });

  it('the timeout setting is seconds, kept within 5 s to 10 min; anything but a number is the default', () => {
    const ms = (v: unknown) => repairOptions(withSetting('openclaw.validateTimeoutSeconds', v)).timeoutMs;
    assert.deepEqual([ms(45), ms(1), ms(100_000), ms('45'), ms(Number.NaN), ms(null)], [45_000, 5_000, 600_000, 30_000, 30_000, 30_000]);
  });

  it('the validator after a save gets the same timeout as Make Config Valid', () => {
    assert.deepEqual(validatorOptions(withSetting('openclaw.validateTimeoutSeconds', 12)), { timeoutMs: 12_000 });
  });

  it('the executable comes from its setting, trimmed; empty is `openclaw` on PATH', () => {
    assert.equal(repairOptions(withSetting('openclaw.executable', '  /opt/oc/bin/openclaw ')).executable, '/opt/oc/bin/openclaw');
    assert.equal(repairOptions(withSetting('openclaw.executable', '   ')).executable, 'openclaw');
  });

  it('every default the code falls back to is the one package.json declares', () => {
    assert.deepEqual(settingsFrom(() => undefined), fresh);
    assert.deepEqual([fresh.inspectTimeout, fresh.refreshInterval, fresh.inspectServers], [1500, 30, true]);
  });
});
