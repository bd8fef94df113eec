import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { deleteSession, experimentRows, labWatch, profileRows, sessionRows } from '../../src/core/lab/view/tree.js';
import { codewordRecord, listCodewordRecords, writeCodewordRecord } from '../../src/core/lab/experiments/codewordRun.js';
import { makeCodewords, plantMessage, survivalMatrix } from '../../src/core/lab/experiments/codewords.js';
import { listSweeps, writeSweepRecord } from '../../src/core/lab/experiments/sweepRun.js';
import { appendDispatch, listSessions, lockSession, SCHEMA_VERSION, SessionLocked, SessionUnreadable, writeSession, type Session } from '../../src/core/lab/records/store.js';
import { BUILTIN_WORKLOADS } from '../../src/core/lab/workload.js';
import type { ProfileTarget } from '../../src/core/profiles/types.js';

function labRoot(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-tree-')), '.local-ai-lab');
}

function session(root: string, id: string, startedAt: string, secs: number[], repeats: number, status: Session['status'] = 'complete', profile?: string): void {
  const s: Session = {
    schemaVersion: SCHEMA_VERSION,
    id,
    workload: BUILTIN_WORKLOADS[0]!,
    prompt: 'p',
    repeats,
    environment: { profile, loadedModels: [], machine: { memoryBytes: 1, cpus: 1, cpuModel: 'x', os: 'x' } },
    startedAt,
    status,
  };
  writeSession(root, s);
  secs.forEach((sec, index) =>
    appendDispatch(root, id, { schemaVersion: SCHEMA_VERSION, index, startedAt, wallMs: sec * 1000, expectationsMet: true, completed: true, outputSha256: 'h' }, 'out'),
  );
}

const target = (name: string, primary: number, budget: number, compactor?: number): ProfileTarget => ({
  name,
  builtin: true,
  description: `${name} description`,
  whenItWins: 'sometimes',
  primary: { ref: 'lmstudio/q', providerId: 'lmstudio', modelId: 'q', context: { value: primary, source: 'validated' } },
  compactor: compactor ? { ref: 'lmstudio/c', providerId: 'lmstudio', modelId: 'c', context: { value: compactor, source: 'derived' } } : undefined,
  budget: { value: budget, source: 'derived' },
  notes: [],
});

describe('the Lab view: sessions', () => {
  it('lists sessions newest first, each with its progress, median and profile; only a stopped-short session offers Resume', () => {
    const root = labRoot();
    session(root, '20261201T100000Z-quick-check-aaaa', '2026-12-01T10:00:00.000Z', [1, 2, 3, 4, 5, 6], 6, 'complete', 'mid-range');
    session(root, '20261201T110000Z-quick-check-bbbb', '2026-12-01T11:00:00.000Z', [2, 2], 6, 'cancelled');
    const rows = sessionRows(listSessions(root));
    assert.deepEqual(
      rows.map((r) => [r.node, r.label, r.description, r.contextValue, r.icon]),
      [
        [{ kind: 'session', id: '20261201T110000Z-quick-check-bbbb' }, `${BUILTIN_WORKLOADS[0]!.name} · 2026-12-01 11:00`, '2/6 · median 2.00 s · no profile', 'labSession.resumable', 'circle-slash'],
        [{ kind: 'session', id: '20261201T100000Z-quick-check-aaaa' }, `${BUILTIN_WORKLOADS[0]!.name} · 2026-12-01 10:00`, '6/6 · median 3.50 s · mid-range', 'labSession', 'pass'],
      ],
    );
    assert.match(rows[1]!.tooltip, /^20261201T100000Z-quick-check-aaaa\ncomplete: 6\/6 dispatches, median 3\.50 s, completed 100 %/);
    assert.match(rows[0]!.tooltip, /Resume Lab Session runs the rest/);
  });

  it('a session without a dispatch says so instead of a median', () => {
    const root = labRoot();
    session(root, '20261201T120000Z-quick-check-cccc', '2026-12-01T12:00:00.000Z', [], 6, 'running');
    const [row] = sessionRows(listSessions(root));
    // Its process is gone (no lock), so the reader sees it interrupted, and it can be resumed.
    assert.equal(row!.description, '0/6 · no dispatch yet · no profile');
    assert.equal(row!.icon, 'debug-pause');
    assert.equal(row!.contextValue, 'labSession.resumable');
  });

  it('delete removes the session folder (by id or unique prefix) and leaves the others', () => {
    const root = labRoot();
    session(root, '20261201T100000Z-quick-check-aaaa', '2026-12-01T10:00:00.000Z', [1], 1);
    session(root, '20261201T110000Z-quick-check-bbbb', '2026-12-01T11:00:00.000Z', [1], 1);
    const removed = deleteSession(root, '20261201T10');
    assert.equal(removed, path.join(root, 'runs', '20261201T100000Z-quick-check-aaaa'));
    assert.equal(fs.existsSync(removed), false);
    assert.deepEqual(fs.readdirSync(path.join(root, 'runs')), ['20261201T110000Z-quick-check-bbbb']);
  });

  it('delete refuses a session a live process holds, a path, and an unknown id, changing nothing', () => {
    const root = labRoot();
    const id = '20261201T100000Z-quick-check-aaaa';
    session(root, id, '2026-12-01T10:00:00.000Z', [1], 1);
    const release = lockSession(root, id);
    assert.throws(() => deleteSession(root, id), SessionLocked);
    release();
    assert.throws(() => deleteSession(root, '../runs'), SessionUnreadable);
    assert.throws(() => deleteSession(root, 'nope'), SessionUnreadable);
    assert.equal(listSessions(root).length, 1);
    deleteSession(root, id);
    assert.equal(listSessions(root).length, 0);
  });
});

describe('the Lab view: profiles', () => {
  it('marks the profile in force (and its drift) and says what each sets here, with its caveats', () => {
    const targets = [target('single-turn', 32768, 40000), target('mid-range', 101000, 90000, 68000)];
    const rows = profileRows(targets, 'mid-range', false, new Map([['single-turn', ['same as x here']]]));
    assert.deepEqual(
      rows.map((r) => [r.node, r.description, r.icon, r.contextValue]),
      [
        [{ kind: 'profile', name: 'single-turn' }, 'primary 32,768 · budget 32,768 · no compactor · same as x here', 'beaker', 'profile'],
        [{ kind: 'profile', name: 'mid-range' }, 'in force · primary 101,000 · budget 90,000 · compactor 68,000', 'check', 'profile.inForce'],
      ],
    );
    const drifted = profileRows(targets, 'mid-range', true);
    assert.equal(drifted[1]!.icon, 'warning');
    assert.match(drifted[1]!.description, /^in force, drifted · /);
    assert.match(rows[1]!.tooltip, /^mid-range description\nWins: sometimes\n/);
  });
});

describe('the Lab view: experiments', () => {
  it('sweeps and codeword probes newest first, each saying what it found; written and read back through the records', () => {
    const root = labRoot();
    const arm = (name: string, knob: string | null, verdict: string | null, extra: object = {}) => ({ name, knob, from: knob ? 5 : null, to: knob ? 3 : null, session: `s-${name}`, verdict, ...extra });
    writeSweepRecord(root, { schemaVersion: 1, id: 'sweep-a', workload: 'notes', base: 'tuned', openclawVersion: '2026.9.6', n: 2, startedAt: '2026-12-01T10:00:00Z', status: 'complete', arms: [arm('base', null, null), arm('primaryContext=262144', 'primaryContext', 'coupled'), arm('mode=safeguard', 'mode', 'additive'), arm('recentTurnsPreserve=3', 'recentTurnsPreserve', 'no clear effect')] });
    writeSweepRecord(root, { schemaVersion: 1, id: 'sweep-b', workload: 'quick-check', base: 'mid-range', openclawVersion: null, n: 6, startedAt: '2026-12-01T12:00:00Z', status: 'cancelled', arms: [arm('base', null, null), arm('mode=safeguard', 'mode', null, { session: null, error: 'not run (the sweep stopped first)' })] });
    const cw = makeCodewords(3);
    const ruleOnly = plantMessage(cw).split('\n').filter((l) => /\brule\b/i.test(l)).join('\n');
    const matrix = survivalMatrix({ codewords: cw, compactions: 1, summaries: [ruleOnly], work: `a.ts\n\`\`\`\n// ${cw[0]!.value}\n\`\`\`\n`, recall: cw[0]!.value });
    writeCodewordRecord(root, codewordRecord({ id: 'codewords-main-1', startedAt: '2026-12-01T11:00:00Z', agent: 'main', profile: 'long-agentic', config: '/x/openclaw.json', sessions: [{ sessionKey: 'k', codewords: cw, turns: 5, matrix }] }));
    fs.writeFileSync(path.join(root, 'probes', 'broken.json'), '{"kind":"codewords"'); // skipped, not fatal

    const rows = experimentRows(listSweeps(root), listCodewordRecords(root));
    assert.deepEqual(rows.map((r) => r.node), [{ kind: 'sweep', id: 'sweep-b' }, { kind: 'codewords', id: 'codewords-main-1' }, { kind: 'sweep', id: 'sweep-a' }]);
    assert.equal(rows[2]!.label, 'sweep notes from tuned · 2026-12-01 10:00');
    assert.equal(rows[2]!.description, '3 variants ×2 · coupled: primaryContext=262144 · additive: mode=safeguard');
    assert.match(rows[2]!.tooltip, /recentTurnsPreserve=3: 5 → 3 — no clear effect/);
    assert.equal(rows[0]!.description, 'cancelled · 1 variant ×6');
    assert.equal(rows[0]!.icon, 'circle-slash');
    assert.match(rows[0]!.tooltip, /mode=safeguard: 5 → 3 — not run: not run \(the sweep stopped first\)/);
    assert.equal(rows[1]!.label, 'codewords · agent main · 2026-12-01 11:00');
    assert.equal(rows[1]!.description, '1 session · long-agentic · rule 1/1 · codename 0/1 · number 0/1 · sla 0/1');
    assert.deepEqual(experimentRows([], []), []);
  });
});

describe('the Lab views watch a lab folder that does not exist yet (#29 item 3)', () => {
  it('from the nearest folder that exists, with the rest of the path in the pattern', () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-watch-'));
    const labDir = path.join(ws, '.local-ai-lab');
    // Before the first session: a watcher on .local-ai-lab/ itself would never fire.
    assert.deepEqual(labWatch(labDir, 'runs/*/{session.json,dispatches.jsonl}'), { base: ws, pattern: '.local-ai-lab/runs/*/{session.json,dispatches.jsonl}' });
    assert.deepEqual(labWatch(path.join(ws, 'a', 'b'), '{sweeps,probes}/*.json'), { base: ws, pattern: 'a/b/{sweeps,probes}/*.json' });
    fs.mkdirSync(labDir);
    assert.deepEqual(labWatch(labDir, '{sweeps,probes}/*.json'), { base: labDir, pattern: '{sweeps,probes}/*.json' });
  });
});
