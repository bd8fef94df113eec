import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { extractSection } from '../../src/core/docs.js';
import { docsAnchor, RULE_IDS } from '../../src/core/findings.js';
import { ruleIds } from '../../src/core/rules/registry.js';

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const readme = fs.readFileSync('README.md', 'utf8');

describe('manifest and docs', () => {
  it('every rule is registered and has the README section its diagnostics link to', () => {
    assert.deepEqual([...ruleIds()].sort(), [...RULE_IDS].sort());
    for (const rule of RULE_IDS) {
      const section = extractSection(readme, docsAnchor(rule));
      assert.ok(section?.startsWith(`### \`${rule}\``), `README section for ${rule}`);
      assert.ok(section!.split('\n').length >= 2, `${rule} is explained`);
    }
  });

  it('every contributed command is registered, and every registered command is contributed', () => {
    const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    const src = fs.readdirSync('src', { recursive: true }).filter((f) => String(f).endsWith('.ts')).map((f) => fs.readFileSync(`src/${f}`, 'utf8')).join('\n');
    // Every command is registered through the command table's `command('id', schema, handler)`.
    const registered = [...src.matchAll(/\bcommand\('(localAiLab\.[^']+)'/g)].map((m) => m[1]).sort();
    assert.deepEqual(registered, contributed);
    // …and nothing registers around it, unvalidated.
    assert.deepEqual([...src.matchAll(/vscode\.commands\.registerCommand\(/g)].length, 1, 'only src/vscode/commands.ts calls registerCommand');
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Local AI Lab');
  });

  it('every setting has a default, a description and a scope; paths to executables and the config are machine-scoped', () => {
    for (const group of pkg.contributes.configuration) {
      for (const [key, s] of Object.entries(group.properties) as [string, { default?: unknown; markdownDescription?: string; scope?: string }][]) {
        assert.ok(key.startsWith('localAiLab.'), key);
        assert.ok(s.default !== undefined && s.markdownDescription && s.scope, key);
        if (/executable|configPath/.test(key)) assert.equal(s.scope, 'machine', key);
        assert.ok(readme.includes(`\`${key}\``), `${key} is in the README`);
      }
    }
  });

  it('a workspace cannot silence rules, replace profiles or opt into hosted endpoints and outside prompt files', () => {
    const settings = Object.assign({}, ...pkg.contributes.configuration.map((g: { properties: object }) => g.properties));
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of ['localAiLab.profiles', 'localAiLab.rules.disabled']) {
      assert.equal(settings[key].scope, 'machine-overridable', key);
      assert.ok(restricted.includes(key), `${key} is ignored from an untrusted workspace`);
    }
    for (const key of ['localAiLab.lab.allowHostedEndpoints', 'localAiLab.lab.allowPromptFilesAnywhere']) {
      assert.deepEqual([settings[key].scope, settings[key].default], ['machine', false], key);
      assert.ok(restricted.includes(key), key);
    }
    for (const key of restricted) assert.ok(['machine', 'machine-overridable'].includes(settings[key].scope), key);
  });

  it('engines.vscode is testable in the real VS Code here (1.139) and activation is lazy', () => {
    const [maj, min] = String(pkg.engines.vscode).replace(/^[^\d]*/, '').split('.').map(Number);
    assert.ok(maj === 1 && min! <= 139, pkg.engines.vscode);
    assert.deepEqual(pkg.activationEvents, ['onStartupFinished', 'onWebviewPanel:localAiLab.labPanel'], 'lazy, plus the panel serializer');
  });
});

describe('contributed schemas', () => {
  it('schemas/workload.schema.json is what the validator generates (run npm run schemas after changing it)', async () => {
    const { workloadJsonSchema } = await import('../../src/core/lab/schema.js');
    assert.deepEqual(JSON.parse(fs.readFileSync('schemas/workload.schema.json', 'utf8')), workloadJsonSchema());
    assert.ok(pkg.contributes.jsonValidation.some((j: { fileMatch: string; url: string }) => j.fileMatch === '**/.local-ai-lab/workloads/*.json' && j.url === './schemas/workload.schema.json'));
  });
});
