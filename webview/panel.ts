import { BarController, BarElement, CategoryScale, Chart, LinearScale, PointElement, ScatterController, Tooltip } from 'chart.js';
import { HostMessageSchema, PanelMessageSchema, type CodewordView, type PanelMessage, type PanelSession } from '../src/core/lab/view/panelProtocol.js';
import { panelView, seconds, type ColourKey, type PanelView } from '../src/core/lab/view/panelView.js';
import { firstDispatchToShow, TIMELINE_HEAD, timelineRows, type TimelineDispatch, type TimelineView } from '../src/core/lab/view/timelineView.js';
import type { ProbeView } from '../src/core/lab/view/probeView.js';

Chart.register(ScatterController, BarController, PointElement, BarElement, LinearScale, CategoryScale, Tooltip);

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
// Once, kept in module scope (never a global).
const vscode = acquireVsCodeApi();

function send(m: PanelMessage): void {
  vscode.postMessage(PanelMessageSchema.parse(m));
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

/** Theme colours from VS Code's CSS variables; read again when the theme changes. */
function palette() {
  return {
    fast: css('--vscode-charts-blue', '#3794ff'),
    slow: css('--vscode-charts-orange', '#d18616'),
    none: css('--vscode-charts-foreground', '#888888'),
    // Sessions in a comparison: colours apart from the two cluster colours.
    session0: css('--vscode-charts-purple', '#b180d7'),
    session1: css('--vscode-charts-green', '#89d185'),
    session2: css('--vscode-charts-yellow', '#cca700'),
    session3: css('--vscode-charts-red', '#f14c4c'),
    // Sessions 5–8: the same four hues, lighter (never the same colour as another session in one comparison).
    session4: lighter(css('--vscode-charts-purple', '#b180d7')),
    session5: lighter(css('--vscode-charts-green', '#89d185')),
    session6: lighter(css('--vscode-charts-yellow', '#cca700')),
    session7: lighter(css('--vscode-charts-red', '#f14c4c')),
    grid: css('--vscode-editorWidget-border', '#8884'),
    text: css('--vscode-foreground', '#cccccc'),
  };
}

/** A theme colour at 55 % opacity (#rrggbb or rgb(…); any other form is kept as it is). */
function lighter(c: string): string {
  if (/^#[0-9a-f]{6}$/i.test(c)) return `${c}8c`;
  const m = /^rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\s*\)$/.exec(c);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, 0.55)` : c;
}

/** A strip's label cut to what fits beside the chart at this width (the full label is in the tables and the tooltip). */
function fitLabel(label: string, width: number): string {
  const max = Math.max(8, Math.floor((width * 0.32) / 6.5));
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

const SHAPE = { completed: 'circle', missed: 'triangle', failed: 'crossRot' } as const;
let sessions: PanelSession[] = [];
/** A sweep's own title for its grouped comparison (else the view-model's). */
let title: string | undefined;
let strip: Chart<'scatter'> | undefined;
let hist: Chart<'bar'> | undefined;

function render(): void {
  const t0 = performance.now();
  const p = palette();
  const colour = (k: ColourKey) => (p as Record<string, string>)[k] ?? p.none;
  const all = sessions.flatMap((s) => s.points);
  // The view-model is core's (tested there); this file only draws it.
  const view = panelView(sessions);
  $('title').textContent = title ?? view.title;
  // One dataset per (cluster, outcome): colour by cluster and shape by outcome, so neither carries meaning alone.
  const datasets = (['fast', 'slow', 'none'] as const).flatMap((cluster) =>
    (['completed', 'missed', 'failed'] as const).map((outcome) => ({
      label: `${cluster} · ${outcome}`,
      data: view.points.filter((q) => q.cluster === cluster && q.outcome === outcome).map((q) => ({ x: q.x, y: q.y, session: q.session, index: q.index })),
      pointStyle: SHAPE[outcome],
      pointRadius: outcome === 'completed' ? 5 : 7,
      borderColor: p[cluster],
      backgroundColor: outcome === 'completed' ? p[cluster] : 'transparent',
      borderWidth: 2,
    })),
  ).filter((d) => d.data.length > 0);
  const count = (c: string) => all.filter((q) => q.cluster === c).length;
  const missed = all.filter((q) => q.outcome !== 'completed').length;
  const canvas = $<HTMLCanvasElement>('strip');
  canvas.setAttribute('aria-label', `Wall time of ${all.length} dispatches: ${count('fast')} fast, ${count('slow')} slow, ${count('none')} without a split; ${missed} did not complete.`);
  canvas.dataset.fast = String(count('fast'));
  canvas.dataset.slow = String(count('slow'));
  canvas.dataset.none = String(count('none'));
  canvas.dataset.incomplete = String(missed);
  canvas.dataset.colour = p.fast;
  const scales = {
    x: { title: { display: true, text: 'seconds', color: p.text }, grid: { color: p.grid }, ticks: { color: p.text } },
    y: {
      // The first session on top, as in the tables below (a sweep's base first).
      reverse: true,
      min: 0.5,
      max: sessions.length + 0.5,
      grid: { color: p.grid },
      // One tick per strip at its centre: Chart.js would otherwise step from min (0.5, 1.5, …) and no strip got its label.
      afterBuildTicks: (axis: { ticks: { value: number }[] }) => {
        axis.ticks = view.strips.map((_, i) => ({ value: i + 1 }));
      },
      ticks: { color: p.text, autoSkip: false, callback: (v: string | number) => fitLabel(view.strips[Number(v) - 1] ?? '', canvas.parentElement?.clientWidth || canvas.clientWidth || 600) },
    },
  };
  if (!strip) {
    strip = new Chart(canvas, {
      type: 'scatter',
      data: { datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales,
        plugins: { tooltip: { callbacks: { label: (c) => `${(c.raw as { x: number }).x.toFixed(2)} s — ${c.dataset.label} — ${sessions.find((x) => x.id === (c.raw as { session: string }).session)?.label ?? ''}` } } },
        onClick: (_e, els) => {
          const el = els[0];
          if (!el) return;
          const raw = strip!.data.datasets[el.datasetIndex]!.data[el.index] as unknown as { session: string; index: number };
          send({ type: 'openDispatch', session: raw.session, index: raw.index });
        },
      },
    });
  } else {
    strip.data.datasets = datasets;
    strip.options.scales = scales;
    strip.update();
  }
  // The labels Chart.js actually laid out on the strip axis (for people reading the canvas's attributes and for tests).
  canvas.dataset.strips = strip.scales.y?.ticks.map((t) => String(t.label)).join(' | ') ?? '';
  const hc = $<HTMLCanvasElement>('hist');
  hc.setAttribute('aria-label', `Histogram of ${all.length} dispatch times in ${view.histogram.counts.length} bins`);
  const series = view.histogram.series.length ? view.histogram.series : [{ label: 'dispatches', counts: view.histogram.counts, colour: 'fast' as ColourKey }];
  hc.dataset.colour = colour(series[0]!.colour);
  hc.dataset.colours = series.map((x) => colour(x.colour)).join(' | ');
  // Stacked, one colour per session, on the same bins.
  const histData = { labels: view.histogram.labels, datasets: series.map((x) => ({ label: x.label, data: x.counts, backgroundColor: colour(x.colour) })) };
  const histScales = { x: { stacked: true, ticks: { color: p.text }, grid: { color: p.grid } }, y: { stacked: true, ticks: { color: p.text, precision: 0 }, grid: { color: p.grid } } };
  if (!hist) hist = new Chart(hc, { type: 'bar', data: histData, options: { animation: false, maintainAspectRatio: false, scales: histScales } });
  else {
    // Data and scales both: a theme change recolours the histogram as it does the strip.
    hist.data = histData;
    hist.options.scales = histScales;
    hist.update();
  }
  renderTables(view);
  renderLegend(view);
  renderTimeline(sessions.length === 1 ? sessions[0]!.timeline : undefined);
  send({ type: 'rendered', points: all.length, ms: performance.now() - t0 });
}

/* The timeline of one dispatch, drawn as SVG in pixels at the section's width (text stays legible when narrow). */
const SVG = 'http://www.w3.org/2000/svg';
let timeline: TimelineView | undefined;
let shownDispatch: number | undefined;
/** The call-out whose evidence is shown, kept across redraws (a resize, a new dispatch of the running session). */
let shownEvidence: { dispatch: number; anomaly: number } | undefined;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function renderTimeline(view: TimelineView | undefined): void {
  timeline = view;
  const section = $('timeline-s');
  section.hidden = !view?.dispatches.length;
  if (!view?.dispatches.length) return;
  if (!view.dispatches.some((d) => d.index === shownDispatch)) shownDispatch = firstDispatchToShow(view);
  const select = $<HTMLSelectElement>('tl-dispatch');
  select.replaceChildren(
    ...view.dispatches.map((d) => {
      const o = document.createElement('option');
      o.value = String(d.index);
      o.textContent = `${d.index + 1} · ${seconds(d.seconds)} s · ${d.requests.length} request${d.requests.length === 1 ? '' : 's'}${d.anomalies.length ? ` · ${d.anomalies.length} anomal${d.anomalies.length === 1 ? 'y' : 'ies'}` : ''}`;
      return o;
    }),
  );
  select.value = String(shownDispatch);
  $('tl-medians').textContent = view.medians ?? '';
  $('tl-notes').replaceChildren(
    ...view.notes.map((n) => {
      const li = document.createElement('li');
      li.textContent = n;
      return li;
    }),
  );
  drawDispatch(view, view.dispatches.find((d) => d.index === shownDispatch)!);
}

function drawDispatch(view: TimelineView, d: TimelineDispatch): void {
  const host = $('tl-chart');
  const width = Math.max(320, host.clientWidth || 600);
  const left = 78;
  const span = Math.max(d.seconds, ...d.requests.map((r) => r.end), 0.001);
  const x = (t: number) => left + (Math.max(0, t) / span) * (width - left - 10);
  const w = (a: number, b: number) => Math.max(1, x(b) - x(a));
  const servers = [...new Set(d.loaded.map((l) => l.server))];
  const lanes = { anomalies: 4, requests: 24, summaries: 52, loaded: 76 };
  const memTop = lanes.loaded + Math.max(1, servers.length) * 22 + 6;
  const axis = memTop + 44;
  const root = svg('svg', { width, height: axis + 18, role: 'img', 'aria-label': `Dispatch ${d.index + 1}: ${d.requests.length} requests, ${d.anomalies.length} anomalies, over ${seconds(d.seconds)} s` });
  const label = (y: number, text: string) => root.appendChild(svg('text', { x: 2, y: y + 12 }, text));
  label(lanes.requests, 'requests');
  label(lanes.summaries - 2, 'summaries');
  label(lanes.loaded, 'loaded');
  label(memTop, 'memory');
  root.appendChild(svg('line', { class: 'lane', x1: left, x2: width - 10, y1: axis, y2: axis }));
  for (const t of [0, span / 2, span]) root.appendChild(svg('text', { x: Math.min(x(t), width - 40), y: axis + 14 }, `${seconds(t)} s`));
  let prefills = 0;
  for (const r of d.requests) {
    const tip = `#${r.seq} ${r.what}${r.model ? ` ${r.model}` : ''}: ${r.firstToken !== null ? `prefill ${seconds(r.firstToken - r.start)} s, generation ${seconds(r.end - r.firstToken)} s` : `${seconds(r.end - r.start)} s`} (${r.outcome})`;
    const g = svg('g', {});
    g.appendChild(svg('title', {}, tip));
    if (r.what === 'summary') g.appendChild(svg('rect', { class: `tl-model${r.modelIndex % 4}`, x: x(r.start), y: lanes.summaries, width: w(r.start, r.end), height: 16 }));
    else if (r.what === 'load' || r.what === 'other') g.appendChild(svg('rect', { class: 'tl-load', x: x(r.start), y: lanes.requests + 14, width: w(r.start, r.end), height: 6 }));
    else if (r.firstToken !== null) {
      prefills++;
      g.appendChild(svg('rect', { class: 'tl-prefill', x: x(r.start), y: lanes.requests, width: w(r.start, r.firstToken), height: 20 }));
      g.appendChild(svg('rect', { class: 'tl-gen', x: x(r.firstToken), y: lanes.requests, width: w(r.firstToken, r.end), height: 20 }));
    } else g.appendChild(svg('rect', { class: 'tl-gen', x: x(r.start), y: lanes.requests, width: w(r.start, r.end), height: 20 }));
    root.appendChild(g);
  }
  for (const seg of d.loaded) {
    const y = lanes.loaded + servers.indexOf(seg.server) * 22;
    const g = svg('g', {});
    g.appendChild(svg('title', {}, `${seg.server}: ${seg.label} (${seconds(seg.from)}–${seconds(seg.to)} s)`));
    g.appendChild(svg('rect', { class: 'tl-loaded', x: x(seg.from), y, width: w(seg.from, seg.to), height: 18 }));
    const room = Math.floor(w(seg.from, seg.to) / 6.5);
    if (room > 3) g.appendChild(svg('text', { x: x(seg.from) + 3, y: y + 13 }, seg.label.length > room ? `${seg.label.slice(0, room - 1)}…` : seg.label));
    root.appendChild(g);
  }
  if (d.memory.length) {
    const pts = d.memory.map((m) => `${x(m.t).toFixed(1)},${(memTop + 36 - (m.pct / 100) * 34).toFixed(1)}`).join(' ');
    root.appendChild(svg('polyline', { class: 'tl-mem', points: pts }));
    const peak = Math.max(...d.memory.map((m) => m.pct));
    root.appendChild(svg('text', { x: 2, y: memTop + 30 }, `peak ${Math.round(peak)} %`));
  }
  d.anomalies.forEach((a, i) => {
    const dot = svg('circle', { class: 'tl-anomaly', cx: x(a.t), cy: lanes.anomalies + 8, r: 6, tabindex: 0, role: 'button', 'aria-label': `${a.kind}: ${a.message}` });
    dot.appendChild(svg('title', {}, `${a.kind}: ${a.message}`));
    dot.addEventListener('click', () => showEvidence(d, i));
    dot.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && showEvidence(d, i));
    root.appendChild(dot);
  });
  host.replaceChildren(root);
  host.dataset.requests = String(d.requests.length);
  host.dataset.prefills = String(prefills);
  host.dataset.summaries = String(d.requests.filter((r) => r.what === 'summary').length);
  host.dataset.anomalies = String(d.anomalies.length);
  host.dataset.loaded = String(d.loaded.length);
  const models = [...new Set(d.requests.filter((r) => r.what === 'summary').map((r) => r.modelIndex))];
  const key = (cls: string, text: string) => {
    const item = document.createElement('span');
    item.className = 'key';
    const sw = document.createElement('span');
    sw.className = `swatch ${cls}`;
    sw.setAttribute('aria-hidden', 'true');
    item.append(sw, document.createTextNode(text));
    return item;
  };
  $('tl-keys').replaceChildren(key('tl-prefill', 'prefill'), key('tl-gen', 'generation'), ...models.map((m) => key(`tl-model${m % 4}`, `summary by ${view.models[m]}`)));
  $('tl-callouts').replaceChildren(
    ...d.anomalies.map((a, i) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = `⚠ ${a.kind} at ${seconds(a.t)} s: ${a.message}`;
      b.addEventListener('click', () => showEvidence(d, i));
      li.appendChild(b);
      return li;
    }),
  );
  $('tl-evidence').textContent = d.omitted ? `${d.omitted} more requests of this dispatch are not drawn (see lab show --timeline)` : '';
  const rows = timelineRows(d);
  table('tl-table', TIMELINE_HEAD, rows.map((r) => r.cells));
  const body = $<HTMLTableElement>('tl-table').tBodies[0]!;
  rows.forEach((r, i) => (body.rows[i]!.id = `tl-req-${r.seq}`));
  host.dataset.width = String(width);
  if (shownEvidence?.dispatch === d.index && d.anomalies[shownEvidence.anomaly]) showEvidence(d, shownEvidence.anomaly, false);
}

/** A call-out's evidence: its requests highlighted in the table (opened and scrolled to), its samples named. */
function showEvidence(d: TimelineDispatch, i: number, scroll = true): void {
  const a = d.anomalies[i]!;
  shownEvidence = { dispatch: d.index, anomaly: i };
  document.querySelectorAll('#tl-table tr.hl').forEach((tr) => tr.classList.remove('hl'));
  const rows = a.requests.map((seq) => document.getElementById(`tl-req-${seq}`)).filter((r): r is HTMLElement => !!r);
  for (const r of rows) r.classList.add('hl');
  if (rows.length && scroll) {
    ($('tl-table').closest('details') as HTMLDetailsElement).open = true;
    rows[0]!.scrollIntoView({ block: 'nearest' });
  }
  const samples = a.samples.map((t) => t.slice(11, 23)).join(', ');
  $('tl-evidence').textContent = `${a.kind}: ${a.message}${a.requests.length ? ` — request${a.requests.length > 1 ? 's' : ''} #${a.requests.join(', #')} (highlighted below)` : ''}${samples ? ` — samples at ${samples} UTC` : ''}`;
}

/** Swatches take their colour from CSS classes bound to theme variables (no inline styles under the CSP). */
function renderLegend(view: PanelView): void {
  const legend = $('legend');
  // One line per group, captioned in words: what the dots' colours mean, then (comparing) what the bars' mean.
  const groups = (['dots', 'bars'] as const).filter((g) => view.legend.some((l) => l.group === g));
  legend.replaceChildren(
    ...groups.map((g) => {
      const line = document.createElement('div');
      const caption = document.createElement('span');
      caption.className = 'caption';
      // One session colours its bars by cluster too; a comparison colours them by session.
      caption.textContent = g === 'bars' ? 'Bars by session:' : groups.includes('bars') ? 'Dots by cluster:' : 'By cluster:';
      line.appendChild(caption);
      for (const l of view.legend.filter((x) => x.group === g)) {
        const item = document.createElement('span');
        item.className = 'key';
        item.dataset.colour = l.colour;
        const sw = document.createElement('span');
        sw.className = `swatch ${l.colour}`;
        sw.setAttribute('aria-hidden', 'true');
        item.append(sw, document.createTextNode(l.label));
        line.appendChild(item);
      }
      return line;
    }),
  );
  const ev = $('evidence');
  ev.replaceChildren(
    ...view.evidence.flatMap((e) =>
      e.lines.map((line) => {
        const li = document.createElement('li');
        li.textContent = view.evidence.length > 1 || sessions.length > 1 ? `${e.session} — ${line}` : line;
        return li;
      }),
    ),
  );
}

function cell(row: HTMLTableRowElement, text: string, header = false): void {
  const c = document.createElement(header ? 'th' : 'td');
  c.textContent = text;
  // A long session name is cut to one line by the stylesheet; the whole name stays one hover away.
  if (!header && row.cells.length === 0) c.title = text;
  row.appendChild(c);
}

function table(id: string, head: string[], rows: string[][]): void {
  const t = $<HTMLTableElement>(id);
  t.replaceChildren();
  const hr = t.createTHead().insertRow();
  for (const h of head) cell(hr, h, true);
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    r.forEach((v) => cell(tr, v));
  }
}

function renderTables(view: PanelView): void {
  table('stats', view.stats.head, view.stats.rows);
  table('dispatches', view.dispatches.head, view.dispatches.rows.map((r) => r.cells));
  // The keyboard's way to a dispatch's output (the chart's points are the mouse's).
  const body = $<HTMLTableElement>('dispatches').tBodies[0]!;
  view.dispatches.rows.forEach((r, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'open';
    b.setAttribute('aria-label', `Open the output of ${r.cells[0]} dispatch ${r.cells[1]}`);
    b.addEventListener('click', () => send({ type: 'openDispatch', session: r.session, index: r.index }));
    body.rows[i]!.insertCell().appendChild(b);
  });
}

/** The panel shows sessions (charts and tables), a codeword probe's matrix, or a timeline alone (a darkmux file). */
function mode(which: 'sessions' | 'codewords' | 'timeline' | 'probe'): void {
  document.querySelectorAll<HTMLElement>('.sessions').forEach((el) => (el.hidden = which !== 'sessions'));
  $('codewords-s').hidden = which !== 'codewords';
  $('probe-s').hidden = which !== 'probe';
  if (which === 'timeline') $('timeline-s').hidden = false;
}

function renderCodewords(view: CodewordView): void {
  const t0 = performance.now();
  mode('codewords');
  sessions = [];
  $('title').textContent = view.title;
  $('cw-summary').textContent = view.summary;
  const host = $('codewords');
  host.replaceChildren();
  view.tables.forEach((t, i) => {
    const wrap = document.createElement('div');
    wrap.className = 'scroll';
    const tbl = document.createElement('table');
    tbl.id = `codewords-${i}`;
    wrap.appendChild(tbl);
    host.appendChild(wrap);
    table(tbl.id, view.head, t.rows);
    tbl.createCaption().textContent = t.caption;
    // The mark's meaning is also a class, so the theme can colour it (the word beside it carries it without colour).
    tbl.querySelectorAll('td').forEach((td) => {
      if (td.textContent?.startsWith('✔')) td.className = 'yes';
      else if (td.textContent?.startsWith('✘')) td.className = 'no';
    });
    if (t.notes.length) {
      const ul = document.createElement('ul');
      ul.className = 'notes';
      for (const n of t.notes) {
        const li = document.createElement('li');
        li.textContent = n;
        ul.appendChild(li);
      }
      host.appendChild(ul);
    }
  });
  send({ type: 'rendered', points: 0, ms: performance.now() - t0 });
}

/** A wire probe: its verdict, notes, the curve when it has one (drawn at the panel's width), and its table. */
function renderProbe(view: ProbeView): void {
  const t0 = performance.now();
  mode('probe');
  sessions = [];
  $('title').textContent = view.title;
  $('probe-h').textContent = view.table.caption;
  const verdict = $('probe-verdict');
  verdict.textContent = view.verdict;
  verdict.className = `tone-${view.tone}`;
  $('probe-notes').replaceChildren(
    ...view.notes.map((n) => {
      const li = document.createElement('li');
      li.textContent = n;
      return li;
    }),
  );
  table('probe-table', view.table.columns, view.table.rows.map((r) => r.cells));
  const t = $<HTMLTableElement>('probe-table');
  t.createCaption().textContent = view.table.caption;
  // The tone is also a class on the row, so the theme colours it; the words in the row carry it without colour.
  view.table.rows.forEach((r, i) => (t.tBodies[0]!.rows[i]!.className = `tone-${r.tone}`));
  drawProbeCurve(view);
  send({ type: 'rendered', points: view.curve?.points.length ?? 0, ms: performance.now() - t0 });
}

function drawProbeCurve(view: ProbeView): void {
  const host = $('probe-curve');
  const keys = $('probe-keys');
  host.replaceChildren();
  keys.replaceChildren();
  const c = view.curve;
  if (!c || !c.points.length) return;
  const width = Math.max(300, host.clientWidth || 600);
  const height = 220;
  const [left, right, top, bottom] = [58, 10, 10, 34];
  const xs = c.points.map((p) => p.x).concat(c.marks.map((m) => m.x));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const yMax = Math.max(1, ...c.points.map((p) => p.y), ...c.levels.map((l) => l.y)) * 1.05;
  const x = (v: number) => left + ((v - x0) / (x1 - x0)) * (width - left - right);
  const y = (v: number) => top + (1 - v / yMax) * (height - top - bottom);
  const root = svg('svg', { width, height, role: 'img', 'aria-label': `${c.yLabel} by ${c.xLabel}: ${c.points.length} points, ${c.levels.length} levels, ${c.marks.length} marks (the table below has every value)` });
  root.appendChild(svg('line', { class: 'lane', x1: left, x2: width - right, y1: y(0), y2: y(0) }));
  root.appendChild(svg('text', { x: 2, y: top + 10 }, compact(yMax / 1.05)));
  root.appendChild(svg('text', { x: 2, y: y(0) }, '0'));
  root.appendChild(svg('text', { x: left, y: height - 4 }, `${c.xLabel} ${x0}`));
  root.appendChild(svg('text', { x: width - right - 60, y: height - 4 }, `${x1}`));
  c.levels.forEach((l, i) => {
    const g = svg('g', {});
    g.appendChild(svg('title', {}, `${l.label}: ${l.y}`));
    g.appendChild(svg('line', { class: `pr-level pr-level${i % 3}`, x1: left, x2: width - right, y1: y(l.y), y2: y(l.y) }));
    g.appendChild(svg('text', { x: left + 4, y: y(l.y) - 3 }, `${l.label} ${compact(l.y)}`));
    root.appendChild(g);
  });
  for (const m of c.marks) {
    const g = svg('g', {});
    g.appendChild(svg('title', {}, `${c.xLabel} ${m.x}: ${m.label}`));
    g.appendChild(svg('line', { class: `pr-mark tone-${m.tone}`, x1: x(m.x), x2: x(m.x), y1: top, y2: y(0) }));
    root.appendChild(g);
  }
  // Points of one tone are joined in x order: one line per series (e.g. reported vs sent).
  const tones = [...new Set(c.points.map((p) => p.tone))];
  for (const tone of tones) {
    const pts = c.points.filter((p) => p.tone === tone).sort((a, b) => a.x - b.x);
    root.appendChild(svg('polyline', { class: `pr-line tone-${tone}`, points: pts.map((p) => `${x(p.x)},${y(p.y)}`).join(' ') }));
    for (const p of pts) {
      const g = svg('g', {});
      g.appendChild(svg('title', {}, `${c.xLabel} ${p.x}: ${p.y}${p.label ? ` (${p.label})` : ''}`));
      g.appendChild(svg('circle', { class: `pr-point tone-${tone}`, cx: x(p.x), cy: y(p.y), r: 3 }));
      root.appendChild(g);
    }
  }
  host.appendChild(root);
  keys.replaceChildren(
    ...tones.map((tone) => {
      const span = document.createElement('span');
      const sw = document.createElement('span');
      sw.className = `swatch tone-${tone}`;
      span.append(sw, ` ${c.series?.find((x) => x.tone === tone)?.label ?? c.yLabel}`);
      return span;
    }),
  );
}

const compact = (v: number) => (v >= 1000 ? `${Math.round(v / 100) / 10}K` : String(Math.round(v)));

window.addEventListener('message', (e: MessageEvent) => {
  const m = HostMessageSchema.safeParse(e.data);
  if (!m.success) {
    console.warn('lab panel: ignored an unknown message');
    return;
  }
  // New content opens at its top; a dispatch landing in the session shown keeps the reader where they are.
  if (m.data.type !== 'dispatch') window.scrollTo(0, 0);
  if (m.data.type === 'codewords') {
    renderCodewords(m.data.view);
    vscode.setState({ ids: [], codewords: m.data.id });
    return;
  }
  if (m.data.type === 'probe') {
    renderProbe(m.data.view);
    vscode.setState({ ids: [], probe: m.data.id });
    return;
  }
  if (m.data.type === 'timeline') {
    const t0 = performance.now();
    mode('timeline');
    sessions = [];
    $('title').textContent = m.data.title;
    renderTimeline(m.data.view);
    // Read from a file, not a lab session: nothing to restore after a reload.
    vscode.setState({ ids: [] });
    send({ type: 'rendered', points: 0, ms: performance.now() - t0 });
    return;
  }
  mode('sessions');
  if (m.data.type === 'show') {
    sessions = m.data.sessions;
    title = m.data.title;
    const diff = $<HTMLTableElement>('differences');
    diff.hidden = !m.data.differences?.length;
    if (m.data.differences?.length) table('differences', ['difference', 'value'], m.data.differences.map((d) => [d.label, d.value]));
  } else {
    const updated = m.data.session;
    const i = sessions.findIndex((s) => s.id === updated.id);
    if (i >= 0) sessions[i] = updated;
    else sessions.push(updated);
  }
  vscode.setState({ ids: sessions.map((s) => s.id) });
  render();
});

$<HTMLSelectElement>('tl-dispatch').addEventListener('change', (e) => {
  shownDispatch = Number((e.target as HTMLSelectElement).value);
  const d = timeline?.dispatches.find((x) => x.index === shownDispatch);
  if (timeline && d) drawDispatch(timeline, d);
});
// Drawn in pixels: a new width is a new drawing.
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    const d = timeline?.dispatches.find((x) => x.index === shownDispatch);
    const host = $('tl-chart');
    // Only a new width needs a new drawing.
    if (timeline && d && !$('timeline-s').hidden && String(Math.max(320, host.clientWidth || 600)) !== host.dataset.width) drawDispatch(timeline, d);
  }, 100);
});
$('copy-md').addEventListener('click', () => send({ type: 'export', format: 'markdown', target: 'clipboard' }));
$('save-csv').addEventListener('click', () => send({ type: 'export', format: 'csv', target: 'file' }));
// The theme is a class on <body>: recolour when it changes.
new MutationObserver(() => sessions.length && render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
send({ type: 'ready' });
