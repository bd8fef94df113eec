import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

/** The architecture rule holds because lint fails on a break, not because nobody tried: try it. */
describe('lint', () => {
  const eslint = (file: string, code: string) =>
    spawnSync(process.execPath, [path.resolve('node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', file], { input: code, encoding: 'utf8', timeout: 60_000 });

  it('fails on a vscode import in src/core, and names the rule', () => {
    const r = eslint('src/core/probe.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n");
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /no-restricted-imports/);
    assert.match(r.stdout, /src\/core never imports vscode/);
  });

  it('allows the same import in src/vscode', () => {
    const r = eslint('src/vscode/probe.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n");
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
