import { BarController, BarElement, CategoryScale, Chart, LinearScale, PointElement, ScatterController, Tooltip } from 'chart.js';
import { HostMessageSchema, PanelMessageSchema, type PanelMessage, type PanelSession } from '../src/core/lab/panelProtocol.js';

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
    grid: css('--vscode-editorWidget-border', '#8884'),
    text: css('--vscode-foreground', '#cccccc'),
  };
}

const SHAPE = { completed: 'circle', missed: 'triangle', failed: 'crossRot' } as const;
let sessions: PanelSession[] = [];
let strip: Chart<'scatter'> | undefined;
let hist: Chart<'bar'> | undefined;

function fmt(x: number | null, digits = 2): string {
  return x === null ? '—' : x.toFixed(digits);
}

function render(): void {
  const t0 = performance.now();
  const p = palette();
  const all = sessions.flatMap((s) => s.points);
  $('title').textContent = sessions.length > 1 ? `Compare ${sessions.length} lab sessions` : sessions[0] ? `Lab session ${sessions[0].label}` : 'Lab';
  // One dataset per (cluster, outcome): colour by cluster and shape by outcome, so neither carries meaning alone.
  const datasets = (['fast', 'slow', 'none'] as const).flatMap((cluster) =>
    (['completed', 'missed', 'failed'] as const).map((outcome) => ({
      label: `${cluster} · ${outcome}`,
      data: all.filter((q) => q.cluster === cluster && q.outcome === outcome).map((q) => ({ x: q.seconds, y: sessions.findIndex((s) => s.id === q.session) + 1, session: q.session, index: q.index })),
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
  const scales = {
    x: { title: { display: true, text: 'seconds', color: p.text }, grid: { color: p.grid }, ticks: { color: p.text } },
    y: { min: 0.5, max: sessions.length + 0.5, grid: { color: p.grid }, ticks: { color: p.text, stepSize: 1, autoSkip: false, callback: (v: string | number) => sessions[Number(v) - 1]?.label ?? '' } },
  };
  if (!strip) {
    strip = new Chart(canvas, {
      type: 'scatter',
      data: { datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales,
        plugins: { tooltip: { callbacks: { label: (c) => `${(c.raw as { x: number }).x.toFixed(2)} s — ${c.dataset.label}` } } },
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
  // Histogram of all shown dispatches.
  const secs = all.map((q) => q.seconds);
  const lo = secs.length ? Math.min(...secs) : 0;
  const hi = secs.length ? Math.max(...secs) : 1;
  const bins = hi > lo ? Math.max(1, Math.min(30, Math.ceil(Math.sqrt(secs.length)))) : 1;
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of secs) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  const labels = counts.map((_, i) => `${(lo + i * width).toFixed(1)}–${(lo + (i + 1) * width).toFixed(1)}`);
  const hc = $<HTMLCanvasElement>('hist');
  hc.setAttribute('aria-label', `Histogram of ${secs.length} dispatch times in ${bins} bins`);
  const histData = { labels, datasets: [{ label: 'dispatches', data: counts, backgroundColor: p.fast }] };
  if (!hist) hist = new Chart(hc, { type: 'bar', data: histData, options: { animation: false, maintainAspectRatio: false, scales: { x: { ticks: { color: p.text } }, y: { ticks: { color: p.text, precision: 0 } } } } });
  else {
    hist.data = histData;
    hist.update();
  }
  renderTables();
  send({ type: 'rendered', points: all.length, ms: performance.now() - t0 });
}

function cell(row: HTMLTableRowElement, text: string, header = false): void {
  const c = document.createElement(header ? 'th' : 'td');
  c.textContent = text;
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

const pct = (i: { value: number; low: number; high: number } | null) => (i ? `${Math.round(100 * i.value)} % (${Math.round(100 * i.low)}–${Math.round(100 * i.high)})` : '—');

function renderTables(): void {
  table(
    'stats',
    ['session', 'n', 'median s', 'p10–p90 s', 'slow rate', 'completed', 'compactions', 'TTFT ms', 'tok/s'],
    sessions.map((s) => [s.label, String(s.row.n), fmt(s.row.median), s.row.p10 === null ? '—' : `${fmt(s.row.p10)}–${fmt(s.row.p90)}`, pct(s.row.slowRate), pct(s.row.completion), String(s.row.compactions), s.row.ttftMs === null ? '—' : String(Math.round(s.row.ttftMs)), fmt(s.row.tokensPerSecond, 1)]),
  );
  table(
    'dispatches',
    ['session', 'run', 'seconds', 'cluster', 'outcome', 'output'],
    sessions.flatMap((s) => s.points.map((q) => [s.label, String(q.index + 1), q.seconds.toFixed(2), q.cluster, q.outcome])),
  );
  // The keyboard's way to a dispatch's output (the chart's points are the mouse's).
  const body = $<HTMLTableElement>('dispatches').tBodies[0]!;
  let r = 0;
  for (const s of sessions) {
    for (const q of s.points) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'open';
      b.setAttribute('aria-label', `Open the output of ${s.label} run ${q.index + 1}`);
      b.addEventListener('click', () => send({ type: 'openDispatch', session: s.id, index: q.index }));
      body.rows[r++]!.insertCell().appendChild(b);
    }
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = HostMessageSchema.safeParse(e.data);
  if (!m.success) {
    console.warn('lab panel: ignored an unknown message');
    return;
  }
  if (m.data.type === 'show') {
    sessions = m.data.sessions;
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

$('copy-md').addEventListener('click', () => send({ type: 'export', format: 'markdown', target: 'clipboard' }));
$('save-csv').addEventListener('click', () => send({ type: 'export', format: 'csv', target: 'file' }));
// The theme is a class on <body>: recolour when it changes.
new MutationObserver(() => sessions.length && render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
send({ type: 'ready' });
