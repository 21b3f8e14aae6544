import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, sha256Hex } from '@palestra/envs';
import fc from 'fast-check';
import { REDTEAM_FIXTURES } from '../redteam/fixtures.ts';
import { fixtureEpisode } from '../redteam/redteam.ts';
import { quoteTranscript, transcriptOf } from './transcript.ts';

/** What may never appear raw inside the fence: markers' brackets and anything that does not print as itself. */
const RAW_UNSAFE = /[<>\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]|[^\P{Zs} ]/u;

/** Splits a quoted transcript into its lines and checks the block's shape; returns the JSON line. */
function inner(quoted: string, transcript: unknown): string {
  const fence = sha256Hex(canonicalJson(transcript)).slice(0, 24);
  const lines = quoted.split('\n');
  assert.equal(lines.length, 3, 'the opening marker, one line of JSON, the closing marker');
  assert.equal(lines[0], `<<<TRANSCRIPT ${fence}>>>`, 'the fence is the hash of the canonical form');
  assert.equal(lines[2], `<<<END TRANSCRIPT ${fence}>>>`);
  return lines[1]!;
}

for (const id of ['fence-break', 'fence-break-separators', 'invisible-verdict'])
  test(`a fake end-of-transcript (${id}) is escaped inside the fence: the real markers are the only ones`, async () => {
    const fixture = REDTEAM_FIXTURES.find((f) => f.id === id)!;
    const transcript = transcriptOf(await fixtureEpisode(fixture));
    const quoted = quoteTranscript(transcript);
    const json = inner(quoted, transcript);
    assert.equal(quoted.match(/<<</g)?.length, 2, 'no third marker, not even a fake one');
    const fakes = fixture.actions.filter((a) => 'text' in a && a.text.includes('END TRANSCRIPT')).length;
    assert.equal(quoted.match(/END TRANSCRIPT/g)?.length, 1 + fakes, 'a fake one is still there, as data');
    assert.doesNotMatch(
      quoted,
      /\u2028|\u2029|\u0085|\u202e|\u200b|\u200d|\u2060/u,
      'no separator or invisible',
    );
    assert.doesNotMatch(json, RAW_UNSAFE);
    assert.match(json, /\\u003c\\u003c\\u003c/, 'the angle brackets are \\u escapes');
    assert.deepEqual(JSON.parse(json), transcript, 'the escapes mean the same text');
  });

test('any text at all: the JSON inside the fence parses back to it and holds no raw unsafe character', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (a, b) => {
      const transcript = { task: b, first: '', steps: [{ step: 1, action: { text: a }, environment: b }] };
      const json = inner(quoteTranscript(transcript), transcript);
      assert.doesNotMatch(json, RAW_UNSAFE);
      assert.equal(canonicalJson(JSON.parse(json)), canonicalJson(transcript));
    }),
    { numRuns: 100 },
  );
});
