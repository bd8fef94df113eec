#!/usr/bin/env node
// One esbuild run per target: the extension host bundle (vscode external), the CLI bundle, and,
// with --tests, each test file as its own bundle under out/ (tests are never packaged).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const targets = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];

function testEntries(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.test.ts')).map((f) => path.join(dir, String(f)));
}

function benchEntries(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => path.join(dir, f));
}

if (args.has('--tests')) {
  targets.push({
    ...common,
    sourcemap: 'inline',
    entryPoints: [...testEntries('test/unit'), ...benchEntries('test/bench')],
    outdir: 'out',
    outbase: '.',
    external: ['vscode'],
  });
}

if (watch) {
  for (const t of targets) (await esbuild.context(t)).watch();
  console.log('[build] watching');
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}
