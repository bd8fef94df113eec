/** A realistic large config: many providers, model rows, a long roster, comments throughout. */
export function bigConfig(targetBytes: number): string {
  const rows: string[] = [];
  let i = 0;
  let text = '';
  const agents: string[] = [];
  while (text.length < targetBytes) {
    rows.push(`        // model ${i}\n        { id: 'vendor/model-${i}', name: 'Model ${i}', contextWindow: ${32768 + (i % 7) * 4096}, maxTokens: 8192, },`);
    agents.push(`      agent_${i}: { model: 'lmstudio/vendor/model-${i}', workspace: '~/agents/agent-${i}', },`);
    i++;
    text = `// generated\n{\n  models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:1234/v1', api: 'openai-completions',\n      models: [\n${rows.join('\n')}\n      ], }, }, },\n  agents: { ownership: 'explicit',\n    defaults: { model: { primary: 'lmstudio/vendor/model-0' }, compaction: { mode: 'safeguard', reserveTokensFloor: 24000, }, },\n    entries: {\n${agents.join('\n')}\n    },\n  },\n}\n`;
  }
  return text;
}
