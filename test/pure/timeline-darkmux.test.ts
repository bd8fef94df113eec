import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { darkmuxFormat, darkmuxTimeline, NotDarkmux } from '../../src/core/lab/timeline/darkmux.js';
import { timelineView } from '../../src/core/lab/view/timelineView.js';

/* darkmux's telemetry files (test/fixtures/darkmux/MANIFEST.md) opened as read-only timelines. */

const read = (f: string) => fs.readFileSync(`test/fixtures/darkmux/${f}`, 'utf8');

describe('darkmux v0.4 instruments.jsonl', () => {
  it('one run, one dispatch: lms snapshots as the loaded set, the Gateway process; the reload and the restart called out', () => {
    const text = read('instruments-v0.4.jsonl');
    assert.equal(darkmuxFormat(text), 'instruments');
    const t = darkmuxTimeline(text, 'instruments.jsonl');
    assert.deepEqual(t.dispatches.map((d) => [d.index, d.wallMs, d.requests]), [[0, 20150, 0]]);
    assert.deepEqual(
      t.anomalies.map((a) => a.kind),
      ['loaded-changed', 'gateway-restarted'],
    );
    assert.match(t.anomalies[0]!.message, /qwen3-30b-a3b at 100,000 → qwen3-30b-a3b at 32,768/);
    assert.match(t.anomalies[1]!.message, /the Gateway \(port 18789\) restarted during dispatch 1: pid 4242 → 5120/);
    assert.ok(t.notes[0]!.startsWith('read-only: darkmux v0.4 instruments.jsonl'));
    const gw = t.samples.find((s) => s.kind === 'gateway');
    assert.deepEqual(gw && { pid: gw.pid, rss: (gw as { rssBytes?: number }).rssBytes }, { pid: 4242, rss: 412 * 1024 * 1024 });
    // The panel draws it like a session's dispatch.
    const v = timelineView(t);
    assert.deepEqual(
      v.dispatches[0]!.loaded.map((l) => l.label),
      ['qwen3-30b-a3b @ 100,000', 'qwen3-30b-a3b @ 32,768'],
    );
  });

  it('a run that died: no end line, a note; a sampler silent for the whole run named as darkmux named it', () => {
    const lines = read('instruments-v0.4.jsonl').trim().split('\n');
    const died = lines.slice(0, -1).filter((l) => !l.includes('"source":"process"')).join('\n');
    const t = darkmuxTimeline(died, 'x');
    assert.ok(t.notes.some((n) => /no end line/.test(n)));
    assert.ok(t.notes.some((n) => /no Gateway process samples while lms ran/.test(n)));
    assert.equal(t.dispatches[0]!.wallMs, 18_121, 'the last sample bounds the run');
  });
});

describe('darkmux flow stream (a day file)', () => {
  it("each session with telemetry is a dispatch; load/unload events replayed into the loaded set; per-turn tokens as points; the host's memory share", () => {
    const text = read('flow-2026-08-07.jsonl');
    assert.equal(darkmuxFormat(text), 'flow');
    const t = darkmuxTimeline(text, 'flow-2026-08-07.jsonl');
    assert.equal(t.dispatches.length, 4);
    const records = text.trim().split('\n').map((l) => JSON.parse(l) as { category?: string; source?: string; session_id?: string; payload?: { event?: string; model?: string; wall_ms?: number } });
    const tokens = records.filter((r) => r.category === 'telemetry' && r.source === 'tokens');
    assert.equal(t.requests.length, tokens.length, 'one point per turn darkmux counted');
    assert.equal(t.medians.n, tokens.length);
    assert.deepEqual([t.medians.prefillMsPer1kPrompt, t.medians.tokensPerSecond, t.medians.firstTokenMs], [null, null, null], 'darkmux recorded no timings: none invented');
    // The first session's loaded set after its last lms event, replayed by hand from the file.
    const first = records.find((r) => r.category === 'telemetry')!.session_id!;
    const set = new Set<string>();
    for (const r of records) {
      if (r.session_id !== first || r.source !== 'lms') continue;
      if (r.payload!.event === 'load') set.add(r.payload!.model!);
      else set.delete(r.payload!.model!);
    }
    const lastLoaded = t.samples.filter((s) => s.kind === 'loaded' && s.dispatch === 0).at(-1)!;
    assert.deepEqual(lastLoaded.kind === 'loaded' && lastLoaded.models!.map((m) => m.id).sort(), [...set].sort());
    assert.ok(t.samples.some((s) => s.kind === 'memory' && s.usedPct > 0));
    // A dispatch's length: its complete record's wall_ms where darkmux wrote one, else its records' span (1 s resolution).
    for (const [i, d] of t.dispatches.entries()) {
      const id = [...new Set(records.filter((r) => r.category === 'telemetry').map((r) => r.session_id))][i];
      const own = records.filter((r) => r.session_id === id) as { ts: string; action?: string; payload?: { wall_ms?: number } }[];
      const complete = own.find((r) => /^dispatch[ .](complete|error)$/.test(String(r.action)));
      const start = own.find((r) => /^dispatch[ .]start$/.test(String(r.action))) ?? own[0]!;
      const span = Math.max(...own.filter((r) => r.ts).map((r) => Date.parse(r.ts))) - Date.parse(start.ts) + 1000;
      assert.equal(d.wallMs, complete?.payload?.wall_ms ?? Math.max(1000, span), `dispatch ${i + 1}`);
    }
    for (const a of t.anomalies.filter((x) => x.kind === 'memory-high')) assert.doesNotMatch(a.message, /GiB/, 'a share without totals says no GiB');
  });

  it('a file that is neither is refused with what was expected', () => {
    assert.throws(() => darkmuxFormat('{"a":1}\n'), NotDarkmux);
    assert.throws(() => darkmuxTimeline('{"_type":"schema","version":"1.20.0"}\n{"ts":"2026-08-07T00:00:00Z","category":"work","action":"note","session_id":"s"}\n', 'f'), /no telemetry records/);
  });
});
