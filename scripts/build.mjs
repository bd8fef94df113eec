#!/usr/bin/env node
// One esbuild run per target: the extension host bundle (vscode external), the CLI bundle, and,
// with --tests, each test file as its own bundle under out/ (tests are never packaged).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

// --clean: start from an empty dist/, so nothing of a development build (source maps) is packaged.
if (args.has('--clean')) fs.rmSync('dist', { recursive: true, force: true });
// The CLI's chunks are named by their hash: last build's would pile up (and be packaged) beside this build's.
fs.rmSync('dist/cli', { recursive: true, force: true });

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));

const common = {
  define: { LAL_VERSION: JSON.stringify(pkg.version) },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

/**
 * The openai SDK ships as its own bundle beside the extension and the CLI, required on first use.
 * Shipped bundles keep `require('./openai-sdk.js')` as is; test bundles inline the SDK instead.
 */
const openaiSdk = (inline) => ({
  name: 'openai-sdk',
  setup(build) {
    build.onResolve({ filter: /^\.\/openai-sdk\.js$/ }, () => (inline ? { path: path.resolve('src/vendor/openai.ts') } : { path: './openai-sdk.js', external: true }));
  },
});

/**
 * The CLI's ES-module chunks take Node's built-ins through `require`, not `import`: an `import` of a built-in builds
 * its ES-module facade, which reads every export, lazy ones included (node:fs's streams, node:util's TextDecoder),
 * ~10 ms of every command's start-up under Node 24; `require` hands over the object as it is.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (a) => {
      if (!isBuiltin(a.path)) return undefined;
      // The stand-in's own `require` is Node's, left as written.
      return a.namespace === 'builtin' ? { path: a.path, external: true } : { path: a.path, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
  },
};

const targets = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [openaiSdk(false)] },
  // The CLI: a small executable (compile cache on, then the CLI) and the CLI itself as ES modules split by esbuild, so
  // each command's code is a chunk loaded when that command runs (commands.ts imports them lazily). `require` in the
  // chunks resolves from dist/, as in the other bundles (the openai SDK's `./openai-sdk.js`).
  { ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  {
    ...common,
    format: 'esm',
    splitting: true,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    banner: { js: "import { createRequire as __lalRequire } from 'node:module'; const require = __lalRequire(new URL('../cli.js', import.meta.url));" },
    plugins: [openaiSdk(false), builtinsByRequire],
  },
  { ...common, entryPoints: ['src/vendor/openai.ts'], outfile: 'dist/openai-sdk.js' },
  // The lab panel's page: a browser bundle; Chart.js lives only here.
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/panel.ts'], outfile: 'dist/webview/panel.js' },
];

/** The node:test tiers, a folder each (scripts/test.mjs runs them): out/test/<tier>/… */
const TEST_TIERS = ['pure', 'cli', 'real', 'slow'];

function testEntries(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.test.ts')).map((f) => path.join(dir, String(f)));
}

function benchEntries(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => path.join(dir, f));
}

if (args.has('--tests')) {
  fs.rmSync('out', { recursive: true, force: true });
  const support = ['test/support/runIntegration.ts', 'test/support/demo.ts', 'test/support/writeSchemas.ts', 'test/support/serverProcess.ts', 'test/support/scriptedProxy.ts'].filter((f) => fs.existsSync(f));
  // Launched as an executable by @vscode/test-electron.
  targets.push({
    ...common,
    sourcemap: 'inline',
    entryPoints: ['test/support/vscodeHost.ts'],
    outfile: 'out/test/support/vscodeHost.js',
    banner: { js: '#!/usr/bin/env node' },
    external: ['playwright-core'],
  });
  targets.push({
    ...common,
    sourcemap: 'inline',
    entryPoints: [...TEST_TIERS.flatMap((t) => testEntries(`test/${t}`)), ...benchEntries('test/bench'), ...testEntries('test/e2e'), ...support],
    outdir: 'out',
    outbase: '.',
    // Resolved from node_modules at run time: mocha loads files dynamically, playwright ships its own binaries' glue.
    external: ['vscode', 'mocha', 'playwright-core', '@vscode/test-electron'],
    plugins: [openaiSdk(true)],
  });
  // Runs inside the extension host: `vscode` comes from the host, mocha from node_modules.
  targets.push({
    ...common,
    sourcemap: 'inline',
    entryPoints: ['test/integration/index.ts', ...testEntries('test/integration')],
    outdir: 'out',
    outbase: '.',
    external: ['vscode', 'mocha'],
    plugins: [openaiSdk(true)],
  });
}

if (watch) {
  for (const t of targets) (await esbuild.context(t)).watch();
  console.log('[build] watching');
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}
