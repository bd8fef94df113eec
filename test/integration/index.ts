import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

/** Called by the workbench's test runner inside the extension host. */
export function run(): Promise<void> {
  const prove = !!process.env.LAL_PROVE_FAILURE;
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, grep: prove ? /deliberately fails/ : undefined, invert: false });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} failing`)) : resolve()));
  });
}
