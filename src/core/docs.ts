/** The README section a rule's diagnostics link to: from its `<a id="rule-…">` anchor to the next heading. */
export function extractSection(readme: string, anchor: string): string | undefined {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.includes(`id="${anchor}"`));
  if (start < 0) return undefined;
  let end = start + 1;
  // Skip the rule's own heading, then stop at the next heading.
  while (end < lines.length && !/^#{1,3} /.test(lines[end]!)) end++;
  end++;
  while (end < lines.length && !/^#{1,3} /.test(lines[end]!) && !lines[end]!.includes('<a id="')) end++;
  return lines.slice(start + 1, end).join('\n').trim();
}
