import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';

import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { points, tableRow } from '../../src/core/lab/view/panel.js';
import { newNonce, panelHtml } from '../../src/core/lab/view/panelHtml.js';
import { codewordView, makeCodewords, plantMessage, survivalMatrix } from '../../src/core/lab/experiments/codewords.js';
import type { PanelSession } from '../../src/core/lab/view/panelProtocol.js';
import { SCHEMA_VERSION, type DispatchRecord, type Session } from '../../src/core/lab/records/store.js';
import { BUILTIN_WORKLOADS } from '../../src/core/lab/workload.js';
import { CHROMIUM_ARGS, toolsFromEnv } from '../support/codeServer.js';
import { buildTimeline } from '../../src/core/lab/timeline/timeline.js';
import { timelineView } from '../../src/core/lab/view/timelineView.js';
import { darkmuxTimeline } from '../../src/core/lab/timeline/darkmux.js';
import type { TelemetryRecord } from '../../src/core/lab/timeline/telemetry.js';
import { at, clean, req } from '../support/timelineFixture.js';
import { listWireProbes } from '../../src/core/lab/probes/registry.js';

/** A session with its timeline: dispatch 1 sees a JIT reload, dispatch 2 a summary asked of the primary. */
function withTimeline(): PanelSession {
  const i = clean();
  const s = i.samples as TelemetryRecord[];
  for (let ms = 5000; ms <= 21_000; ms += 1000) {
    const k = s.findIndex((x) => x.t === at(ms) && x.kind === 'loaded');
    s[k] = { ...(s[k] as object), models: [{ id: 'qwen/qwen3-coder-30b', context: 32768 }] } as TelemetryRecord;
  }
  (i.requests as ReturnType<typeof req>[]).push(req({ seq: 4, dispatch: 1, ms: 16_000, summary: true, firstTokenMs: 2500, endMs: 3500 }));
  const p = fixture('t1', [10, 10]);
  const session = { id: 't1', environment: { ...i.environment, wire: { recorded: true, notes: [] } } } as unknown as Session;
  const dispatches = i.dispatches.map((d) => ({ ...d, schemaVersion: SCHEMA_VERSION, completed: true, expectationsMet: true, outputSha256: 'x', outputFile: 'o' })) as DispatchRecord[];
  return { ...p, timeline: timelineView(buildTimeline({ session, dispatches, requests: i.requests, samples: i.samples }), 'per request (median of 5): prefill 50 ms per 1K prompt tokens') };
}

const SHOTS = path.resolve('test-results', 'ui');

function fixture(id: string, secs: number[], bad: Record<number, Partial<DispatchRecord>> = {}): PanelSession {
  const session: Session = { schemaVersion: SCHEMA_VERSION, id, workload: BUILTIN_WORKLOADS[1]!, prompt: 'p', repeats: secs.length, environment: { profile: 'mid-range', loadedModels: [], machine: { memoryBytes: 1, cpus: 1, cpuModel: 'x', os: 'x' } }, startedAt: '2026-11-21T10:00:00Z', status: 'complete' };
  const d: DispatchRecord[] = secs.map((s, i) => ({ schemaVersion: SCHEMA_VERSION, index: i, startedAt: '2026-11-21T10:00:00Z', wallMs: s * 1000, stopReason: 'stop', expectationsMet: true, completed: true, outputSha256: 'h', outputFile: `outputs/${i}.txt`, compactions: 0, ...bad[i] }));
  return { id, label: `${id} · mid-range · 10:00`, points: points(session, d), row: tableRow(session, d) };
}

let server: http.Server;
let url = '';
let browser: Browser;
let page: Page;

describe('the lab panel page in real Chromium, under its strict CSP', { timeout: 120_000 }, () => {
  before(async () => {
    const tools = toolsFromEnv();
    server = http.createServer((req, res) => {
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      if (req.url === '/panel.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync('dist/webview/panel.js'));
      if (req.url === '/panel.css') return res.writeHead(200, { 'content-type': 'text/css' }).end(fs.readFileSync('media/panel.css'));
      const nonce = newNonce();
      // The webview host provides acquireVsCodeApi; this stand-in records what the page sends (and carries the nonce).
      const harness = `<script nonce="${nonce}">window.__sent=[];window.__csp=[];document.addEventListener('securitypolicyviolation',function(e){window.__csp.push(e.violatedDirective+' '+e.blockedURI)});window.acquireVsCodeApi=function(){return{postMessage:function(m){window.__sent.push(m)},getState:function(){return undefined},setState:function(s){window.__state=s}}};</script>`;
      const html = panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/panel.js`, styleUri: `${origin}/panel.css` }).replace('<script nonce', `${harness}\n<script nonce`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    browser = await chromium.launch({ executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  const sent = () => page.evaluate(() => (window as unknown as { __sent: { type: string }[] }).__sent);
  const post = (m: unknown) => page.evaluate((msg) => window.postMessage(msg, '*'), m);
  const rendered = async (count: number) => {
    await page.waitForFunction((c) => (window as unknown as { __sent: { type: string }[] }).__sent.filter((m) => m.type === 'rendered').length >= c, count);
    return (await sent()).filter((m) => m.type === 'rendered').pop() as unknown as { points: number; ms: number };
  };

  it('draws each dispatch by cluster and outcome, with the table behind the chart and no CSP violation', async () => {
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.some((m) => m.type === 'ready'));
    const s = fixture('s1', [198, 606, 197, 276, 218, 939], { 1: { completed: false, expectationsMet: false }, 5: { completed: false, stopReason: null, errorKind: 'context_overflow' } });
    await post({ type: 'show', sessions: [s] });
    assert.equal((await rendered(1)).points, 6);
    const strip = page.locator('#strip');
    assert.deepEqual(await strip.evaluate((c: HTMLCanvasElement) => ({ ...c.dataset })), { fast: '4', slow: '2', none: '0', incomplete: '2', colour: '#3794ff', strips: 's1 · mid-range · 10:00' });
    assert.match((await strip.getAttribute('aria-label'))!, /6 dispatches: 4 fast, 2 slow/);
    const cells = await page.locator('#stats tbody tr').first().locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 3), ['s1 · mid-range · 10:00', '6', '247.0'], 'the same number format as the Markdown export');
    // The colour legend names exactly the colours on the page.
    assert.deepEqual(await page.locator('#legend .key').allInnerTexts(), ['fast cluster', 'slow cluster']);
    assert.equal(await page.locator('#legend .caption').innerText(), 'By cluster:');
    // One session: the histogram's bars are coloured by cluster, as the strip's dots (not all blue).
    assert.deepEqual((await page.locator('#hist').evaluate((c: HTMLCanvasElement) => c.dataset.colours))!.split(' | '), ['#3794ff', '#d18616']);
    assert.equal(cells[4], '33 % (10–70)');
    assert.equal(await page.locator('#dispatches tbody tr').count(), 6);
    assert.ok((await strip.evaluate((c: HTMLCanvasElement) => c.toDataURL().length)) > 5000, 'the chart drew on the canvas');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'Chart.js 4 runs without unsafe-inline');
    // The policy is really in force: an inline style attribute is refused and reported.
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<div id="probe" style="color: red">x</div>'));
    await page.waitForFunction(() => (window as unknown as { __csp: string[] }).__csp.some((v) => v.startsWith('style-src')));
    await page.evaluate(() => document.getElementById('probe')!.remove());
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'panel-page.png') });
  });

  it('asks the host to export, ignores unknown messages, and compares sessions on one axis', async () => {
    await page.locator('#copy-md').click();
    await page.locator('#save-csv').click();
    const exports = (await sent()).filter((m) => m.type === 'export');
    assert.deepEqual(exports, [{ type: 'export', format: 'markdown', target: 'clipboard' }, { type: 'export', format: 'csv', target: 'file' }]);
    await post({ type: 'nonsense', payload: '<img src=x onerror=alert(1)>' });
    await post({ type: 'show', sessions: [fixture('a', [200, 210, 205, 198, 215, 202]), fixture('b', [300, 310, 290, 305, 320, 298])], differences: [{ label: 'median', value: '+100 s' }] });
    assert.equal((await rendered(2)).points, 12);
    assert.equal(await page.locator('#stats tbody tr').count(), 2);
    assert.equal(await page.locator('#differences').isVisible(), true);
    assert.match(await page.locator('#title').innerText(), /Compare 2 lab sessions/);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __state: unknown }).__state), { ids: ['a', 'b'] });
    // Each strip carries its session's name on the axis.
    assert.equal(await page.locator('#strip').evaluate((c: HTMLCanvasElement) => c.dataset.strips), 'a · mid-range · 10:00 | b · mid-range · 10:00');
    // Each session is named in the legend with its histogram colour, and the two colours differ.
    assert.deepEqual(await page.locator('#legend .key').allInnerTexts(), ['no fast/slow split', 'a · mid-range · 10:00', 'b · mid-range · 10:00']);
    assert.deepEqual(await page.locator('#legend .caption').allInnerTexts(), ['Dots by cluster:', 'Bars by session:']);
    const colours = (await page.locator('#hist').evaluate((c: HTMLCanvasElement) => c.dataset.colours))!.split(' | ');
    assert.equal(new Set(colours).size, 2, colours.join(' '));
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.filter((v) => !v.startsWith('style-src'))), [], 'the legend swatches need no inline style');
    await page.screenshot({ path: path.join(SHOTS, 'panel-compare.png') });
  });

  it('redraws in the new colours when the theme changes', async () => {
    const before = (await sent()).filter((m) => m.type === 'rendered').length;
    // VS Code switches themes by the class on <body> and its CSS variables (CSSOM is allowed under the CSP).
    await page.evaluate(() => {
      document.body.style.setProperty('--vscode-charts-blue', 'rgb(1, 200, 3)');
      document.body.style.setProperty('--vscode-charts-purple', 'rgb(4, 5, 250)');
      document.body.className = 'vscode-light';
    });
    await rendered(before + 1);
    // Both charts took the new colours: the strip's fast points, and the comparison histogram's first session.
    assert.equal(await page.locator('#hist').evaluate((c: HTMLCanvasElement) => c.dataset.colour), 'rgb(4, 5, 250)');
    assert.equal(await page.locator('#strip').evaluate((c: HTMLCanvasElement) => c.dataset.colour), 'rgb(1, 200, 3)');
  });

  it('stays usable at 600 px wide (an output open beside it): nothing pushes the page sideways', async () => {
    await page.setViewportSize({ width: 600, height: 900 });
    const before = (await sent()).filter((m) => m.type === 'rendered').length;
    await post({ type: 'show', sessions: [fixture('a', [200, 210, 205, 198, 215, 202]), fixture('b', [300, 310, 290, 305, 320, 298])], differences: [{ label: 'median (b − a)', value: '200.00 s → 300.00 s: +100.00 s (95 % CI +88.00 to +112.00), b · mid-range · 10:00 is slower' }] });
    await rendered(before + 1);
    // Chart.js follows the new width from a ResizeObserver callback, after the render message: let it land.
    await page.waitForFunction(() => document.documentElement.scrollWidth <= 600, null, { timeout: 5000 }).catch(() => undefined);
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, strip: document.getElementById('strip')!.getBoundingClientRect().right, legend: document.getElementById('legend')!.getBoundingClientRect().right }));
    assert.ok(widths.page <= 600 && widths.strip <= 600 && widths.legend <= 600, JSON.stringify(widths));
    await page.screenshot({ path: path.join(SHOTS, 'panel-600px.png') });
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('lays out for the panel\'s default width (365 px): strip labels fit, headers stay on one line, five sessions get five colours, new content opens at the top', async () => {
    await page.setViewportSize({ width: 365, height: 700 });
    const long = (id: string, secs: number[]) => ({ ...fixture(id, secs), label: `${id} · agent-turn · long-agentic · 2026-11-21 10:00` });
    const five = ['a', 'b', 'c', 'd', 'e'].map((id, i) => long(id, [200 + i * 10, 210, 205, 198, 215, 202]));
    await page.evaluate(() => window.scrollTo(0, 10_000));
    const before = (await sent()).filter((m) => m.type === 'rendered').length;
    await post({ type: 'show', sessions: five });
    await rendered(before + 1);
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'a new comparison opens at its top');
    await page.waitForFunction(() => document.documentElement.scrollWidth <= 365, null, { timeout: 5000 }).catch(() => undefined);
    const labels = (await page.locator('#strip').evaluate((c: HTMLCanvasElement) => c.dataset.strips))!.split(' | ');
    assert.equal(labels.length, 5);
    assert.ok(labels.every((l) => l.length <= 18 && l.endsWith('…')), `cut to fit beside the chart: ${labels.join(' | ')}`);
    const chartLeft = await page.locator('#strip').evaluate((c: HTMLCanvasElement) => c.getBoundingClientRect().left);
    assert.ok(chartLeft >= 0, 'nothing clipped on the left');
    const colours = (await page.locator('#hist').evaluate((c: HTMLCanvasElement) => c.dataset.colours))!.split(' | ');
    assert.equal(new Set(colours).size, 5, colours.join(' '));
    const heads = await page.locator('#stats thead th').evaluateAll((ths) => ths.map((th) => Math.round(th.getBoundingClientRect().height)));
    assert.equal(new Set(heads).size, 1, `one line each: ${heads.join(' ')}`);
    assert.ok(heads[0]! < 30, `one line each: ${heads.join(' ')}`);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 365, 'wide tables scroll in their own box');
    const rows = await page.locator('#stats tbody tr').evaluateAll((trs) => trs.map((tr) => Math.round(tr.getBoundingClientRect().height)));
    assert.ok(rows.every((h) => h < 30), `a session's name is cut to one line, not wrapped down the table: ${rows.join(' ')}`);
    assert.equal(await page.locator('#stats tbody tr td').first().getAttribute('title'), 'a · agent-turn · long-agentic · 2026-11-21 10:00', 'the whole name on hover');
    await page.screenshot({ path: path.join(SHOTS, 'panel-compare-365px.png'), fullPage: true });
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it("draws a dispatch's timeline at the panel's default width: lanes, a call-out that leads to its evidence, the table behind it, no CSP violation", async () => {
    await page.setViewportSize({ width: 365, height: 900 });
    const before = (await sent()).filter((m) => m.type === 'rendered').length;
    await post({ type: 'show', sessions: [withTimeline()] });
    await rendered(before + 1);
    assert.equal(await page.locator('#timeline-s').isVisible(), true);
    // Opens on the first dispatch with an anomaly.
    assert.equal(await page.locator('#tl-dispatch').inputValue(), '0');
    assert.deepEqual(await page.locator('#tl-dispatch option').allInnerTexts(), ['1 · 10.0 s · 2 requests · 1 anomaly', '2 · 10.0 s · 3 requests · 1 anomaly']);
    const chart = page.locator('#tl-chart');
    const { width, ...drawn } = await chart.evaluate((el) => ({ ...el.dataset }));
    assert.deepEqual(drawn, { requests: '2', prefills: '2', summaries: '0', anomalies: '1', loaded: '2' });
    assert.ok(Number(width) <= 365, width);
    const svgWidth = await chart.locator('svg').evaluate((el) => el.getBoundingClientRect().width);
    assert.ok(svgWidth <= 365 && (await page.evaluate(() => document.documentElement.scrollWidth)) <= 365, `drawn at the panel's width (${svgWidth} px)`);
    assert.match(await page.locator('#tl-callouts').innerText(), /loaded-changed at 5\.00 s: .*65,536 → .*32,768/);
    await page.screenshot({ path: path.join(SHOTS, 'panel-timeline-365px.png'), fullPage: true });
    // Dispatch 2: the summary lane in the primary's colour, and its call-out leads to the request row.
    await page.locator('#tl-dispatch').selectOption('1');
    assert.equal(await chart.evaluate((el) => el.dataset.summaries), '2');
    assert.deepEqual(await page.locator('#tl-keys .key').allInnerTexts(), ['prefill', 'generation', 'summary by qwen3-4b-instruct-2507', 'summary by qwen/qwen3-coder-30b']);
    await page.locator('#tl-callouts button', { hasText: 'summary-on-primary' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#tl-table tr.hl').count(), 1);
    // A redraw (a new width) keeps the evidence shown.
    await page.setViewportSize({ width: 420, height: 900 });
    await page.waitForFunction(() => document.getElementById('tl-chart')!.dataset.width !== '365' && document.getElementById('tl-chart')!.dataset.width !== undefined && Number(document.getElementById('tl-chart')!.dataset.width) > 365);
    assert.equal(await page.locator('#tl-table tr.hl').count(), 1);
    assert.equal(await page.locator('#tl-table tr.hl td').first().innerText(), '4');
    assert.match(await page.locator('#tl-evidence').innerText(), /request #4 \(highlighted below\)/);
    // The marker on the chart is a button for the keyboard too.
    await chart.locator('circle.tl-anomaly').first().focus();
    await page.keyboard.press('Enter');
    assert.match(await page.locator('#tl-evidence').innerText(), /^summary-on-primary/);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.filter((v) => !v.startsWith('style-src'))), [], 'the SVG needs no inline style');
    assert.equal(await page.locator('#dispatches thead th').nth(6).textContent(), 'anomalies');
    await page.screenshot({ path: path.join(SHOTS, 'panel-timeline-evidence.png'), fullPage: true });
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it("draws a darkmux file's timeline alone (read-only), then goes back to sessions", async () => {
    const t = darkmuxTimeline(fs.readFileSync('test/fixtures/darkmux/instruments-v0.4.jsonl', 'utf8'), 'instruments.jsonl');
    const before = (await sent()).filter((m) => m.type === 'rendered').length;
    await post({ type: 'timeline', title: 'darkmux timeline · instruments.jsonl', view: timelineView(t) });
    await rendered(before + 1);
    assert.equal(await page.locator('#title').innerText(), 'darkmux timeline · instruments.jsonl');
    assert.equal(await page.locator('#strip').isVisible(), false, 'no sessions: no strip, no tables');
    assert.equal(await page.locator('#copy-md').isVisible(), false);
    assert.equal(await page.locator('#timeline-s').isVisible(), true);
    assert.deepEqual(await page.locator('#tl-callouts li').allInnerTexts(), [
      '⚠ loaded-changed at 12.1 s: lms: what is loaded changed during dispatch 1: qwen3-30b-a3b at 100,000 → qwen3-30b-a3b at 32,768',
      '⚠ gateway-restarted at 16.1 s: the Gateway (port 18789) restarted during dispatch 1: pid 4242 → 5120',
    ]);
    assert.match(await page.locator('#tl-notes').innerText(), /read-only: darkmux v0\.4 instruments\.jsonl/);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __state: unknown }).__state), { ids: [] });
    await page.screenshot({ path: path.join(SHOTS, 'panel-darkmux-timeline.png'), fullPage: true });
    await post({ type: 'show', sessions: [fixture('a', [200, 210])] });
    await rendered(before + 2);
    assert.equal(await page.locator('#strip').isVisible(), true);
    assert.equal(await page.locator('#timeline-s').isVisible(), false, 'a session without a timeline shows none');
  });

  it("draws a codeword probe's survival matrix, then goes back to sessions", async () => {
    const cw = makeCodewords(7);
    const summary = plantMessage(cw).split('\n').filter((l) => /\brule\b/i.test(l)).join('\n');
    const work = `src/retry.ts\n\`\`\`ts\n// ${cw[0]!.value}\nexport const seed = 1;\n\`\`\`\n`;
    const matrix = survivalMatrix({ codewords: cw, compactions: 1, summaries: [summary], work, recall: `RECALL:\n${cw[0]!.value}` });
    const view = codewordView({ agent: 'main', profile: null, startedAt: '2026-12-01T10:20:30Z', sessions: [{ sessionKey: 'k', turns: 5, matrix }] });
    const before = (await sent()).filter((m) => m.type === 'rendered').length;
    await post({ type: 'codewords', id: 'codewords-main-1', view });
    await rendered(before + 1);
    assert.equal(await page.locator('#title').innerText(), view.title);
    assert.equal(await page.locator('#strip').isVisible(), false, 'the charts make way for the matrix');
    const rows = await page.locator('#codewords-0 tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => `${td.className}:${td.textContent}`)));
    assert.deepEqual(rows.map((r) => [r[0], r[5]]), [[':rule', 'yes:✔ yes'], [':codename', 'no:✘ no'], [':number', 'no:✘ no'], [':sla', 'no:✘ no']]);
    assert.match(await page.locator('#cw-summary').innerText(), /rule 1\/1 · codename 0\/1/);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __state: unknown }).__state), { ids: [], codewords: 'codewords-main-1' });
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.filter((v) => !v.startsWith('style-src'))), []);
    await page.screenshot({ path: path.join(SHOTS, 'panel-codewords.png') });
    await post({ type: 'show', sessions: [fixture('a', [200, 210])] });
    await rendered(before + 2);
    assert.equal(await page.locator('#codewords-s').isVisible(), false);
    assert.equal(await page.locator('#strip').isVisible(), true);
  });

  it("draws each wire probe's record (real runs, test/fixtures/probes) at 365 px: verdict, notes, its table, the curve with levels and marks, under the CSP", async () => {
    await page.setViewportSize({ width: 365, height: 900 });
    const probes = listWireProbes(path.resolve('test/fixtures'));
    assert.deepEqual([...new Set(probes.map((p) => p.record.kind))].sort(), ['fill', 'prefix-stability', 'tool-fidelity', 'tools'], 'a record of each probe');
    for (const { module, record } of probes) {
      const view = module.view(record);
      const before = (await sent()).filter((m) => m.type === 'rendered').length;
      await post({ type: 'probe', id: record.id, view });
      await rendered(before + 1);
      assert.equal(await page.locator('#probe-s').isVisible(), true);
      assert.equal(await page.locator('#strip').isVisible(), false, 'no sessions: no strip');
      assert.equal(await page.locator('#title').innerText(), view.title);
      assert.equal(await page.locator('#probe-verdict').innerText(), view.verdict);
      assert.equal(await page.locator('#probe-verdict').getAttribute('class'), `tone-${view.tone}`);
      assert.equal(await page.locator('#probe-table tbody tr').count(), view.table.rows.length);
      assert.deepEqual(await page.locator('#probe-table thead th').allInnerTexts(), view.table.columns);
      // The curve, when the probe has one: a point per value, a line per level, a mark per event.
      const svg = page.locator('#probe-curve svg');
      assert.equal(await svg.count(), view.curve?.points.length ? 1 : 0);
      if (view.curve?.points.length) {
        assert.equal(await svg.locator('circle.pr-point').count(), view.curve.points.length);
        assert.equal(await svg.locator('line.pr-level').count(), view.curve.levels.length);
        assert.equal(await svg.locator('line.pr-mark').count(), view.curve.marks.length);
        assert.ok((await svg.evaluate((el) => el.getBoundingClientRect().width)) <= 365);
      }
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 365, `${record.kind}: nothing pushes the page sideways`);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __state: unknown }).__state), { ids: [], probe: record.id });
      await page.screenshot({ path: path.join(SHOTS, `panel-probe-${record.kind}-${view.tone}-365px.png`), fullPage: true });
    }
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.filter((v) => !v.startsWith('style-src'))), [], 'the probe views need no inline style');
    await post({ type: 'show', sessions: [fixture('a', [200, 210])] });
    await page.locator('#strip').waitFor();
    assert.equal(await page.locator('#probe-s').isVisible(), false);
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('renders 1,000 dispatches across 10 sessions', async () => {
    const many = Array.from({ length: 10 }, (_, k) => fixture(`s${k}`, Array.from({ length: 100 }, (_, i) => (i % 3 ? 200 : 600) + ((i * 37 + k) % 50))));
    const before = (await sent()).filter((m) => m.type === 'rendered').length;
    await post({ type: 'show', sessions: many });
    const r = await rendered(before + 1);
    assert.equal(r.points, 1000);
    console.log(`BENCH panelRender1000Ms=${r.ms.toFixed(1)}`);
  });
});


