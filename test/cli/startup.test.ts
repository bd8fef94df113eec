import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const DIST = path.resolve('dist');

/** The chunks a module of the CLI imports statically (`from "./chunk-….mjs"`), and theirs, transitively. */
function staticClosure(dir: string, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/(?:^|[;\n])\s*import\s*(?:[^'"]*?\sfrom\s*)?["']\.\/([^"']+\.mjs)["']/g)) visit(m[1]!);
  };
  visit(entry);
  return seen;
}

/** dist/cli.js and only the part of dist/cli/ that main.mjs loads at start, in a folder of their own. */
function cliWithoutCommands(): { cli: string; kept: number; dropped: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-startup-'));
  fs.copyFileSync(path.join(DIST, 'cli.js'), path.join(dir, 'cli.js'));
  fs.mkdirSync(path.join(dir, 'cli'));
  const keep = staticClosure(path.join(DIST, 'cli'), 'main.mjs');
  for (const f of keep) fs.copyFileSync(path.join(DIST, 'cli', f), path.join(dir, 'cli', f));
  const all = fs.readdirSync(path.join(DIST, 'cli')).filter((f) => f.endsWith('.mjs'));
  return { cli: path.join(dir, 'cli.js'), kept: keep.size, dropped: all.length - keep.size };
}

const nodes = () => {
  const n24 = process.env.LAL_NODE24_BIN ? path.join(process.env.LAL_NODE24_BIN, 'node') : undefined;
  return [process.execPath, ...(n24 && fs.existsSync(n24) ? [n24] : [])];
};

describe('CLI start-up', () => {
  it('--version and help load none of the commands\' code: they run with only main.mjs and its static imports; check needs the rest', () => {
    const { cli, dropped } = cliWithoutCommands();
    assert.ok(dropped > 0, 'the build splits the commands into chunks of their own');
    const version = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const help = spawnSync(process.execPath, [cli, 'help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Commands:/);
    const commandHelp = spawnSync(process.execPath, [cli, 'check', '--help'], { encoding: 'utf8' });
    assert.equal(commandHelp.status, 0, commandHelp.stderr);
    // The same copy cannot check: that code is in the chunks left out.
    const check = spawnSync(process.execPath, [cli, 'rules'], { encoding: 'utf8' });
    assert.notEqual(check.status, 0);
  });

  it("uses Node's module compile cache under the cache folder where Node has one, and says nothing where it has none", () => {
    for (const node of nodes()) {
      const has = spawnSync(node, ['-p', "typeof require('node:module').enableCompileCache"], { encoding: 'utf8' }).stdout.trim() === 'function';
      const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cc-'));
      const r = spawnSync(node, [path.join(DIST, 'cli.js'), 'rules'], { encoding: 'utf8', env: { ...process.env, LOCAL_AI_LAB_CACHE: cache } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', `${node}: nothing on stderr`);
      assert.match(r.stdout, /context-window-mismatch/);
      const made = fs.existsSync(path.join(cache, 'node-compile-cache')) && fs.readdirSync(path.join(cache, 'node-compile-cache')).length > 0;
      assert.equal(made, has, `${node}: a compile cache ${has ? 'is' : 'is not'} written`);
    }
  });
});
