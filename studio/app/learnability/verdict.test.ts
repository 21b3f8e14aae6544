import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { formatLearnabilityReport, type LearnabilityReport, learnability } from '@palestra/runtime';
import { histogramGeometry } from './histogramGeometry.ts';
import { findingMark, learnabilityHeading, learnabilityVerdict, vsRandomText } from './verdict.ts';

const plain = stripVTControlCharacters;
let report: LearnabilityReport;

// A real report (echo-target, small), and the two failing variants of it.
before(async () => {
  report = await learnability({ env: 'echo-target', groups: 4, group: 2 });
});

/** Every verdict the page shows is a line (or cell) of the CLI's output for the same report. */
function assertSameWords(r: LearnabilityReport) {
  const cli = plain(formatLearnabilityReport(r));
  const lines = cli.split('\n');
  assert.equal(lines[0], learnabilityHeading(r));
  for (const x of r.results) if (vsRandomText(x)) assert.ok(cli.includes(vsRandomText(x)), vsRandomText(x));
  for (const f of r.findings) assert.ok(lines.includes(`${findingMark(f.level)} ${f.message}`), f.message);
  assert.equal(lines.at(-1), learnabilityVerdict(r).text);
}

test('a passing report: the page says what the CLI says', () => {
  assert.equal(learnabilityVerdict(report).level, 'pass');
  assertSameWords(report);
});

test('a probe that games the reward, and failed episodes: the same words as the CLI', () => {
  const [random, probe, ...rest] = report.results;
  assert.ok(random && probe);
  const gamed: LearnabilityReport = {
    ...report,
    ok: false,
    results: [random, { ...probe, overRandom: 0.62, games: true }, ...rest],
    findings: [...report.findings, { level: 'error', message: `"${probe.name}" scores 0.620 on average` }],
  };
  assert.equal(learnabilityVerdict(gamed).level, 'fail');
  assert.match(vsRandomText(gamed.results[1]!), /^\+0\.620 ✖ games the reward$/);
  assertSameWords(gamed);
  const failed: LearnabilityReport = { ...report, ok: false, failed: 3 };
  assert.match(learnabilityVerdict(failed).text, /^✖ 3 episode\(s\) failed/);
  assertSameWords(failed);
});

test('the histogram has a bar per bin, labelled as the CLI labels them, the longest at full width', () => {
  const g = histogramGeometry({ min: -1, max: 0, width: 0.25, counts: [4, 0, 1, 2] });
  assert.deepEqual(
    g.bars.map((b) => [b.label, b.count, b.width]),
    [
      ['-1.000 … -0.750', 4, g.barMax],
      ['-0.750 … -0.500', 0, 0],
      ['-0.500 … -0.250', 1, g.barMax / 4],
      ['-0.250 … 0.000', 2, g.barMax / 2],
    ],
  );
  const cli = plain(formatLearnabilityReport(report));
  for (const b of histogramGeometry(report.histogram).bars)
    assert.match(cli, new RegExp(`${b.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ▕.*▏ ${b.count}`));
});
