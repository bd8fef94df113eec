import { randomBytes } from 'node:crypto';

/** A fresh nonce per load, from a cryptographic source. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The panel's page. The CSP is the first element of <head> and starts from default-src 'none': scripts only
 * with this load's nonce, styles and images only from the webview's own source, no network at all.
 */
export function panelHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const csp = [`default-src 'none'`, `script-src 'nonce-${o.nonce}'`, `style-src ${o.cspSource}`, `img-src ${o.cspSource} data:`, `font-src ${o.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${esc(o.styleUri)}">
<title>Lab</title>
</head>
<body>
<header><h1 id="title">Lab</h1>
<div class="actions sessions">
<button id="copy-md" type="button">Copy table as Markdown</button>
<button id="save-csv" type="button">Save dispatches as CSV</button>
</div></header>
<main>
<section id="codewords-s" aria-labelledby="cw-h" hidden><h2 id="cw-h">Codeword survival</h2><p id="cw-summary"></p><div id="codewords"></div>
<p class="legend">Only behavioural evidence after a compaction (work that applies a codeword, or its recall) counts as surviving the summary; a codeword in the summary text alone does not.</p></section>
<section id="probe-s" aria-labelledby="probe-h" hidden><h2 id="probe-h">Probe</h2><p id="probe-verdict" role="status"></p><ul id="probe-notes" class="notes"></ul>
<div id="probe-curve" class="timeline"></div><div id="probe-keys" class="keys" aria-label="Curve legend"></div>
<div class="scroll"><table id="probe-table"></table></div></section>
<section class="sessions" aria-labelledby="strip-h"><h2 id="strip-h">Wall time per dispatch</h2><div class="chart"><canvas id="strip" role="img"></canvas></div>
<div id="legend" class="keys" aria-label="Colour legend"></div>
<p class="legend">Shape: ● completed, ▲ missed its wrap-up, ✕ failed. Points of one session are spread up and down a little so equal times stay visible. Click a point for its output.</p></section>
<section class="sessions" aria-labelledby="hist-h"><h2 id="hist-h">Distribution</h2><div class="chart small"><canvas id="hist" role="img"></canvas></div></section>
<section class="sessions" aria-labelledby="stats-h"><h2 id="stats-h">Statistics</h2><div class="scroll"><table id="stats"></table></div><div class="scroll"><table id="differences" hidden></table></div><ul id="evidence"></ul></section>
<section class="sessions" id="timeline-s" aria-labelledby="tl-h" hidden><h2 id="tl-h">Timeline</h2>
<label for="tl-dispatch">Dispatch </label><select id="tl-dispatch"></select>
<p id="tl-medians" class="legend"></p>
<div id="tl-chart" class="timeline"></div>
<div id="tl-keys" class="keys" aria-label="Timeline legend"></div>
<ul id="tl-callouts" aria-label="Anomalies in this dispatch"></ul>
<p id="tl-evidence" role="status"></p>
<ul id="tl-notes" class="notes"></ul>
<details><summary>Every request of this dispatch (the table behind the timeline)</summary><div class="scroll"><table id="tl-table"></table></div></details></section>
<section class="sessions"><details><summary>Every dispatch (the table behind the chart)</summary><div class="scroll"><table id="dispatches"></table></div></details></section>
</main>
<script nonce="${o.nonce}" src="${esc(o.scriptUri)}"></script>
</body>
</html>
`;
}
