import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Episode, Prng, readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import { buildTextClassifier, writeModel } from './build.ts';
import { OnnxError } from './errors.ts';
import { keptTokens, OnnxTextScorer, transcriptText } from './text.ts';
import { loadTokenizer } from './tokenizer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'palestra-text-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const goldens = [0, 1, 2].map((s) =>
  readEpisode(join(CATALOG_DIR, 'refund-desk', 'golden', `seed-${s}.jsonl`)),
);

// A BERT-style vocabulary: specials, then words of the refund desk and of the hand-made episode.
const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  'good',
  'bad',
  '>',
  'say',
  ':',
  'order',
  'refund',
  'issue',
  'lookup',
  '_',
  'escalate',
  'policy',
  'no',
  'such',
  'exists',
  '.',
  '{',
  '}',
  '"',
  ',',
  'the',
  '##s',
];
const id = (t: string) => VOCAB.indexOf(t);
/** One embedding dimension: good +1, bad −1, refund −0.5, everything else 0. */
const EMB = VOCAB.map((t) => [t === 'good' ? 1 : t === 'bad' ? -1 : t === 'refund' ? -0.5 : 0]);
/** logits = [−m, m] for the mean embedding m: p(good) = σ(2m). */
const W = [[-1, 1]];
const B = [0, 0];
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function tokenizerJson(): unknown {
  return {
    version: '1.0',
    added_tokens: VOCAB.slice(0, 4).map((content, i) => ({
      id: i,
      content,
      special: true,
      normalized: false,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])),
    },
  };
}

function folder(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const jsonTok = folder('tok-json', {
  'tokenizer.json': JSON.stringify(tokenizerJson()),
  'tokenizer_config.json': JSON.stringify({ pad_token: '[PAD]', do_lower_case: true }),
});
const vocabTok = folder('tok-vocab', { 'vocab.txt': `${VOCAB.join('\n')}\n` });
const masked = writeModel(
  join(tmp, 'cls.onnx'),
  buildTextClassifier({ embeddings: EMB, weights: W, bias: B }),
);
const unmasked = writeModel(
  join(tmp, 'cls-nomask.onnx'),
  buildTextClassifier({ embeddings: EMB, weights: W, bias: B, attentionMask: false }),
);

/** A golden episode with its texts replaced: header "Good good", one text reply "bad", answered "GOOD". */
function handMade(): Episode {
  const g = goldens[0]!;
  return {
    ...g,
    header: { ...g.header, observation: { text: 'Good good', json: {} } },
    steps: [{ ...g.steps[0]!, action: { text: 'bad' }, observation: { text: 'GOOD', json: {} } }],
  };
}

describe('text classifier scorer', () => {
  it('scores the transcript by hand-computable class probabilities', async () => {
    const scorer = await OnnxTextScorer.load({
      model: masked,
      tokenizer: jsonTok,
      transform: { kind: 'class', index: 1, min: -1, max: 1, labels: ['bad', 'good'] },
    });
    try {
      const e = handMade();
      assert.equal(transcriptText(e), 'Good good\n> say: bad\nGOOD');
      const { ids } = scorer.tokenize(e);
      assert.deepEqual(ids, ['[CLS]', 'good', 'good', '>', 'say', ':', 'bad', 'good', '[SEP]'].map(id));
      // mean embedding (1 + 1 − 1 + 1) / 9 tokens; p(good) = σ(2m)
      const p = sigmoid((2 * 2) / 9);
      const [s] = await scorer.scoreEpisodes([e]);
      assert.ok(Math.abs(s!.reward - (-1 + 2 * p)) < 2e-6, `${s!.reward}`);
      assert.ok(Math.abs(s!.confidence - p) < 1e-6);
      assert.deepEqual(
        s!.components.map((c) => c.name),
        ['p(bad)', 'p(good)'],
      );
      assert.ok(Math.abs(s!.components[1]!.micros - p * 1e6) <= 1);
      assert.equal(s!.judge, 'onnx:cls.onnx');
      assert.match(s!.rationale, /^cls\.onnx: 9 tokens; p = \[/);
    } finally {
      await scorer.close();
    }
  });

  it('batches episodes of different lengths with the same results as one at a time', async () => {
    for (const model of [masked, unmasked]) {
      const scorer = await OnnxTextScorer.load({
        model,
        tokenizer: jsonTok,
        maxLength: 512,
        transform: { kind: 'expected', values: [-1, 1] },
      });
      try {
        const eps = [...goldens, handMade()];
        const lengths = new Set(eps.map((e) => scorer.tokenize(e).ids.length));
        assert.ok(lengths.size > 1, 'rows of different lengths exercise the padding');
        const batched = await scorer.scoreGroup(eps);
        const single = [];
        for (const e of eps) single.push(await scorer.scoreEpisode(e));
        assert.deepEqual(batched, single);
        // expected reward = p(1)·1 + p(0)·(−1), each probability rounded to micro-units on its own.
        for (const s of batched)
          assert.ok(Math.abs(s.micros - (s.components[1]!.micros - s.components[0]!.micros)) <= 1);
      } finally {
        await scorer.close();
      }
    }
  });

  it("agrees with single-episode scores within a micro-unit in a group, exactly with batch: 'row'", async () => {
    // A wider model: onnxruntime may sum a batch in another order than one row.
    const prng = new Prng(11);
    const rand = () => prng.int(2001) / 1000 - 1;
    const wide = writeModel(
      join(tmp, 'cls-wide.onnx'),
      buildTextClassifier({
        embeddings: VOCAB.map(() => Array.from({ length: 32 }, rand)),
        weights: Array.from({ length: 32 }, () => [rand(), rand()]),
        bias: [0, 0],
      }),
    );
    const eps = Array.from({ length: 24 }, (_, i) => (i % 4 === 3 ? handMade() : goldens[i % 4]!));
    for (const batch of ['group', 'row'] as const) {
      const scorer = await OnnxTextScorer.load({
        model: wide,
        tokenizer: jsonTok,
        batch,
        transform: { kind: 'class', index: 1 },
      });
      try {
        const grouped = await scorer.scoreGroup(eps);
        for (const [i, e] of eps.entries()) {
          const alone = await scorer.scoreEpisode(e);
          if (batch === 'row') assert.deepEqual(grouped[i], alone);
          else assert.ok(Math.abs(grouped[i]!.micros - alone.micros) <= 1);
        }
      } finally {
        await scorer.close();
      }
    }
  });

  it('averages the padding too when the model takes no attention mask (rows padded to maxLength)', async () => {
    const scorer = await OnnxTextScorer.load({
      model: unmasked,
      tokenizer: jsonTok,
      maxLength: 16,
      transform: { kind: 'class', index: 1 },
    });
    try {
      const [s] = await scorer.scoreEpisodes([handMade()]);
      assert.ok(Math.abs(s!.reward - sigmoid((2 * 2) / 16)) < 2e-6);
    } finally {
      await scorer.close();
    }
  });

  it('cuts long transcripts to maxLength, keeping the special tokens and the chosen end', async () => {
    const tok = loadTokenizer(jsonTok);
    const body = tok.encode(transcriptText(goldens[0]!));
    assert.ok(body.length > 100);
    for (const keep of ['tail', 'head'] as const) {
      const scorer = await OnnxTextScorer.load({
        model: masked,
        tokenizer: jsonTok,
        maxLength: 8,
        keep,
        transform: { kind: 'class', index: 0 },
      });
      try {
        const { ids, cut } = scorer.tokenize(goldens[0]!);
        assert.equal(ids.length, 8);
        assert.equal(cut, true);
        assert.deepEqual(ids, [
          id('[CLS]'),
          ...(keep === 'tail' ? body.slice(-6) : body.slice(0, 6)),
          id('[SEP]'),
        ]);
        const [s] = await scorer.scoreEpisodes([goldens[0]!]);
        assert.match(s!.rationale, new RegExp(`8 tokens \\(cut to the transcript's ${keep}\\)`));
      } finally {
        await scorer.close();
      }
    }
  });

  it("tokenizes only a window at the kept end, with the same tokens as the whole transcript's", () => {
    const tok = loadTokenizer(jsonTok);
    const long = `${transcriptText(goldens[0]!)}\n   \n${'good  bad\t refund '.repeat(400)}${transcriptText(goldens[1]!)}`;
    const texts = [...goldens.map(transcriptText), long, 'good', ''];
    for (const text of texts) {
      const all = tok.encode(text);
      for (const room of [1, 6, 64, 300, 5000])
        for (const keep of ['head', 'tail'] as const) {
          const want = all.length <= room ? all : keep === 'tail' ? all.slice(-room) : all.slice(0, room);
          assert.deepEqual(
            keptTokens(tok, text, room, keep),
            { ids: want, cut: all.length > room },
            `${keep} ${room}`,
          );
        }
    }
  });

  it('reads a BERT vocab.txt folder as the same tokenizer', () => {
    const a = loadTokenizer(jsonTok);
    const b = loadTokenizer(vocabTok);
    assert.equal(b.source, 'vocab.txt');
    assert.deepEqual([b.prefix, b.suffix, b.padId], [[id('[CLS]')], [id('[SEP]')], id('[PAD]')]);
    for (const e of goldens) assert.deepEqual(b.encode(transcriptText(e)), a.encode(transcriptText(e)));
  });

  it('names the missing or broken tokenizer file', async () => {
    const fails = (dir: string, code: string, message: RegExp) =>
      assert.throws(
        () => loadTokenizer(dir),
        (e: unknown) => e instanceof OnnxError && e.code === code && message.test(e.message) && !!e.hint,
      );
    fails(join(tmp, 'absent'), 'TOKENIZER_NOT_FOUND', /no tokenizer folder at .*absent/);
    fails(folder('empty', {}), 'TOKENIZER_MISSING_FILE', /has no tokenizer\.json \(nor a BERT vocab\.txt\)/);
    fails(
      folder('only-config', { 'tokenizer_config.json': '{}' }),
      'TOKENIZER_MISSING_FILE',
      /tokenizer\.json/,
    );
    fails(
      folder('no-cls', { 'vocab.txt': '[PAD]\n[UNK]\n[SEP]\ngood\n' }),
      'TOKENIZER_INCOMPLETE',
      /vocab\.txt lacks .*\[CLS\]/,
    );
    fails(
      folder('no-model', { 'tokenizer.json': '{"version":"1.0"}' }),
      'TOKENIZER_INCOMPLETE',
      /tokenizer\.json has no "model"/,
    );
    fails(
      folder('torn', { 'tokenizer.json': '{"model": {"ty' }),
      'TOKENIZER_INVALID',
      /tokenizer\.json is not valid JSON/,
    );
    await assert.rejects(
      OnnxTextScorer.load({
        model: masked,
        tokenizer: join(tmp, 'empty'),
        transform: { kind: 'class', index: 1 },
      }),
      (e: unknown) => e instanceof OnnxError && e.code === 'TOKENIZER_MISSING_FILE',
    );
  });

  it('refuses a feature model, a scalar transform and a missing model file', async () => {
    const rejects = (config: Parameters<typeof OnnxTextScorer.load>[0], code: string, message: RegExp) =>
      assert.rejects(OnnxTextScorer.load(config), (e: unknown) => {
        assert.ok(e instanceof OnnxError, String(e));
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
    await rejects(
      { model: join(tmp, 'missing.onnx'), tokenizer: jsonTok, transform: { kind: 'class', index: 1 } },
      'ONNX_MODEL_NOT_FOUND',
      /missing\.onnx/,
    );
    await rejects(
      { model: masked, tokenizer: jsonTok, transform: { kind: 'sigmoid' } },
      'ONNX_CONFIG_INVALID',
      /class or expected/,
    );
    await rejects(
      { model: masked, tokenizer: jsonTok, transform: { kind: 'class', index: 2 } },
      'ONNX_OUTPUT_SHAPE',
      /2 value\(s\) per row/,
    );
    const { buildLinearModel } = await import('./build.ts');
    const linear = writeModel(join(tmp, 'linear.onnx'), buildLinearModel({ weights: [1], bias: 0 }));
    await rejects(
      { model: linear, tokenizer: jsonTok, transform: { kind: 'class', index: 0 } },
      'ONNX_INPUT_UNKNOWN',
      /takes features/,
    );
  });
});
