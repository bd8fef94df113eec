#!/usr/bin/env node
// Regenerates test/fixtures/darkmux/flow-2026-08-07.jsonl from darkmux's own capture of a live daemon's flow stream
// (kstrat2001/darkmux @ 6ca96195, tests/parity/corpus/flow-yesterday.json: darkmux 2.5.0, flow schema 1.18.0, MIT).
// The capture is a JSON array; the fixture is the day file's shape: its schema header, then the records of a few
// sessions, one compact object a line, in the capture's order. Usage: node scripts/fixture-darkmux.mjs DARKMUX_GIT_DIR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const COMMIT = '6ca961951aee189601bbe8a30c0c1014ac2ef610';
const SESSIONS = [
  'nbd-sfymfx-bfkdxl-71ns8216', // a review run: load/unload events, host samples, per-call tokens
  'crew-dispatch-radio-router-1786112101918549-internal', // internal-runtime dispatches: per-turn tokens and context
  'crew-dispatch-radio-router-1786112138533263-internal',
  'crew-dispatch-radio-router-1786113399788068-internal',
];
const gitDir = process.argv[2];
if (!gitDir) {
  console.error('usage: node scripts/fixture-darkmux.mjs DARKMUX_GIT_DIR');
  process.exit(2);
}
const records = JSON.parse(execFileSync('git', ['--git-dir', gitDir, 'show', `${COMMIT}:tests/parity/corpus/flow-yesterday.json`], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8'));
const header = records.find((r) => r._type === 'schema');
const kept = records.filter((r) => SESSIONS.includes(r.session_id));
fs.writeFileSync('test/fixtures/darkmux/flow-2026-08-07.jsonl', [header, ...kept].map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`wrote ${kept.length} records of ${SESSIONS.length} sessions (+ the header)`);
