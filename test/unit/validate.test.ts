import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validatorFor } from '../../src/core/migrate/validate.js';
import { isolatedEnv, openclawExecutable } from '../support/openclaw.js';

const exe = openclawExecutable();
const skip = exe ? false : process.env.CI ? false : 'the real OpenClaw is not installed (npm test installs it)';

describe('the validator copy, judged by the real OpenClaw 2026.9.6', { skip }, () => {
  it('resolves $include against the real config folder and leaves nothing beside the config', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-val-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(path.join(dir, 'models.json5'), '{ providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "m", name: "M" }] } } }\n');
    const text = '{\n  models: { $include: "./models.json5" },\n  agents: { defaults: { model: { primary: "lmstudio/m" } } },\n}\n';
    fs.writeFileSync(config, text);
    const validate = validatorFor(exe!, config, { timeoutMs: 120_000, env: isolatedEnv() });
    const ok = await validate(text);
    assert.equal(ok.valid, true, JSON.stringify(ok));
    // The included file's own problem is found through the copy, so the copy really read it.
    fs.writeFileSync(path.join(dir, 'models.json5'), '{ providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "m" }] } } }\n');
    const bad = await validate(text);
    assert.equal(bad.valid, false);
    assert.ok(bad.issues.some((i) => /models\.providers\.lmstudio\.models\.0\.name/.test(i.path)), JSON.stringify(bad.issues));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['models.json5', 'openclaw.json']);
  });
});
