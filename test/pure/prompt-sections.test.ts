import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzePromptSections, existingWorkspaceFiles, mentions, parseProbeResult, promptSectionsLines, workspaceFromConfig } from '../../src/core/lab/experiments/promptSections.js';
import { BUILTIN_WORKLOADS } from '../../src/core/lab/workload.js';

/** meta.systemPromptReport.injectedWorkspaceFiles as OpenClaw 2026.9.6 builds it (buildBootstrapInjectionStats). */
const injected = (files: { name: string; chars: number; missing?: boolean; raw?: number }[]) =>
  files.map((f) => ({ name: f.name, path: `/home/op/.openclaw/workspace/${f.name}`, missing: !!f.missing, rawChars: f.raw ?? f.chars, injectedChars: f.chars, truncated: (f.raw ?? f.chars) > f.chars }));

describe('prompt-sections probe: the analysis', () => {
  it('a file that exists and that the model reports is present; one it does not report is a finding', () => {
    const reply = 'HEADERS:\n# Project Context\n## /home/op/.openclaw/workspace/AGENTS.md\n## SOUL.md\nFILES:\nAGENTS.md\nSOUL.md\nDONE';
    const r = analyzePromptSections({ existing: ['AGENTS.md', 'SOUL.md', 'USER.md'], reply, workspaceDir: '/w' });
    assert.deepEqual(r.files.map((f) => [f.name, f.exists, f.seen, f.injected]), [
      ['AGENTS.md', true, true, null],
      ['SOUL.md', true, true, null],
      ['USER.md', true, false, null],
    ]);
    assert.deepEqual(r.findings, ['USER.md exists but did not reach the prompt']);
    assert.deepEqual(r.headers, ['# Project Context', '## /home/op/.openclaw/workspace/AGENTS.md', '## SOUL.md']);
    assert.match(promptSectionsLines(r).join('\n'), /no systemPromptReport/);
  });

  it("shows OpenClaw's records beside the model's answer and says when they disagree (the model is the ground truth)", () => {
    const rec = injected([{ name: 'AGENTS.md', chars: 1200 }, { name: 'SOUL.md', chars: 0, missing: true }, { name: 'TOOLS.md', chars: 500, raw: 900 }]);
    const r = analyzePromptSections({ existing: ['AGENTS.md', 'TOOLS.md', 'IDENTITY.md'], reply: '## TOOLS.md\n## IDENTITY.md\nDONE', injected: rec });
    const by = Object.fromEntries(r.files.map((f) => [f.name, f]));
    assert.equal(by['AGENTS.md']!.injected, true);
    assert.equal(by['AGENTS.md']!.seen, false);
    assert.equal(by['SOUL.md']!.injected, false);
    assert.equal(by['IDENTITY.md']!.injected, false);
    assert.ok(r.findings.some((f) => /^AGENTS\.md exists but did not reach the prompt \(OpenClaw's records say it injected 1200 characters/.test(f)));
    assert.ok(r.findings.some((f) => /^IDENTITY\.md: the model reports it, but OpenClaw's records say it was not injected; they disagree/.test(f)));
    assert.ok(r.findings.some((f) => /^TOOLS\.md reached the prompt truncated \(500 of 900/.test(f)));
    assert.equal(r.recordsAvailable, true);
  });

  it('reads embedded and Gateway results; names are matched as file names, not substrings', () => {
    const meta = { durationMs: 10, stopReason: 'stop', systemPromptReport: { workspaceDir: '/ws', injectedWorkspaceFiles: injected([{ name: 'AGENTS.md', chars: 10 }]) } };
    const local = parseProbeResult(JSON.stringify({ payloads: [{ text: '## AGENTS.md\nDONE' }], meta }));
    assert.deepEqual([local.reply, local.workspaceDir, local.injected?.length], ['## AGENTS.md\nDONE', '/ws', 1]);
    const gw = parseProbeResult(JSON.stringify({ runId: 'r', status: 'ok', result: { payloads: [{ text: 'x' }], meta } }));
    assert.equal(gw.workspaceDir, '/ws');
    assert.equal(parseProbeResult('{"ok":false,"error":{"type":"cli_error","message":"boom"}}').error, 'boom');
    assert.equal(parseProbeResult('nope').error, 'openclaw printed no JSON');
    assert.equal(mentions('see ./agents.md', 'AGENTS.md'), true);
    assert.equal(mentions('MYAGENTS.md', 'AGENTS.md'), false);
    assert.equal(mentions('AGENTS.mdx', 'AGENTS.md'), false);
  });

  it('the workspace: the files that exist; the config, OPENCLAW_WORKSPACE_DIR, then the state dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-ws-'));
    fs.writeFileSync(path.join(dir, 'AGENTS.md'), '# a');
    fs.writeFileSync(path.join(dir, 'soul.md'), 'x');
    fs.mkdirSync(path.join(dir, 'USER.md'));
    assert.deepEqual(existingWorkspaceFiles(dir), ['AGENTS.md', 'SOUL.md']);
    assert.equal(workspaceFromConfig({ agents: { entries: { ops: { workspace: '/x/ops' } }, defaults: { workspace: '/x/d' } } }, 'ops', {}), '/x/ops');
    assert.equal(workspaceFromConfig({ agents: { defaults: { workspace: '~/ws' } } }, 'main', {}, '/home/u'), '/home/u/ws');
    assert.equal(workspaceFromConfig({}, 'main', { OPENCLAW_STATE_DIR: '/s' }, '/home/u'), '/s/workspace');
    assert.equal(workspaceFromConfig({}, 'main', {}, '/home/u'), '/home/u/.openclaw/workspace');
  });

  it('is a built-in workload for the openclaw dispatcher', () => {
    const w = BUILTIN_WORKLOADS.find((x) => x.name === 'prompt-sections')!;
    assert.equal(w.dispatcher, 'openclaw');
    assert.match(w.prompt!, /verbatim/);
  });
});
