import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { OnnxError } from './errors.ts';

/**
 * A tokenizer read from a LOCAL folder, never fetched: `tokenizer.json` (the Hugging Face format,
 * run by `@huggingface/tokenizers`, pure JS, no network) with an optional `tokenizer_config.json`;
 * or, for older BERT-style folders, only a `vocab.txt`, which becomes the equivalent WordPiece
 * `tokenizer.json` here (BERT normalizer and pre-tokenizer, `[CLS] … [SEP]`).
 */
export interface TextTokenizer {
  folder: string;
  /** Which file defined it. */
  source: 'tokenizer.json' | 'vocab.txt';
  /** Token ids of `text`, without special tokens. */
  encode(text: string): number[];
  /** Special ids the tokenizer puts before and after a sequence (`[CLS]` and `[SEP]` for BERT). */
  prefix: number[];
  suffix: number[];
  /** The padding id (`pad_token` of the config, `[PAD]`, `<pad>`, else 0). */
  padId: number;
}

function fail(
  code: string,
  message: string,
  folder: string,
  file: string,
  hint: string,
  cause?: unknown,
): never {
  throw new OnnxError(code, message, { details: { folder, file }, hint, cause });
}

function readJson(folder: string, file: string): Record<string, unknown> {
  const path = join(folder, file);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    fail(
      'TOKENIZER_INVALID',
      `${path} is not valid JSON`,
      folder,
      file,
      `replace ${file} with the tokenizer's own file`,
      cause,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(
      'TOKENIZER_INVALID',
      `${path} is not a JSON object`,
      folder,
      file,
      `replace ${file} with the tokenizer's own file`,
    );
  return value as Record<string, unknown>;
}

const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];

/** The `tokenizer.json` equivalent of a BERT `vocab.txt` (one token per line, id = line number). */
function bertFromVocab(folder: string, lowercase: boolean): Record<string, unknown> {
  const path = join(folder, 'vocab.txt');
  const tokens = readFileSync(path, 'utf8').split(/\r?\n/);
  if (tokens.at(-1) === '') tokens.pop();
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => {
    if (!Object.hasOwn(vocab, t)) vocab[t] = i;
  });
  const missing = BERT_SPECIALS.filter((t) => !Object.hasOwn(vocab, t));
  if (missing.length > 0)
    fail(
      'TOKENIZER_INCOMPLETE',
      `${path} lacks the special token(s) ${missing.join(', ')}`,
      folder,
      'vocab.txt',
      'a BERT vocab.txt lists [PAD], [UNK], [CLS] and [SEP]; or put the full tokenizer.json in the folder',
    );
  const id = (t: string) => vocab[t]!;
  return {
    version: '1.0',
    added_tokens: [...BERT_SPECIALS, ...(Object.hasOwn(vocab, '[MASK]') ? ['[MASK]'] : [])].map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', id('[SEP]')], cls: ['[CLS]', id('[CLS]')] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

/**
 * Loads the tokenizer in `folder`. A missing folder or file, or a file without what a tokenizer
 * needs, is an `OnnxError` naming the file.
 *
 * @example
 * const tok = loadTokenizer('models/refund-judge'); tok.encode('issue_refund') // [ 2012, 1035, … ]
 */
export function loadTokenizer(folder: string): TextTokenizer {
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    fail(
      'TOKENIZER_NOT_FOUND',
      `no tokenizer folder at ${dir}`,
      dir,
      '',
      'check the tokenizer path in the scorer config',
    );
  const has = (f: string) => existsSync(join(dir, f));
  const config = has('tokenizer_config.json') ? readJson(dir, 'tokenizer_config.json') : {};
  let json: Record<string, unknown>;
  let source: TextTokenizer['source'];
  if (has('tokenizer.json')) {
    json = readJson(dir, 'tokenizer.json');
    source = 'tokenizer.json';
    const model = json.model as { type?: unknown } | undefined;
    if (typeof model !== 'object' || model === null || typeof model.type !== 'string')
      fail(
        'TOKENIZER_INCOMPLETE',
        `${join(dir, 'tokenizer.json')} has no "model" with a "type" (BPE, WordPiece, Unigram)`,
        dir,
        'tokenizer.json',
        'copy the complete tokenizer.json saved with the model (tokenizer.save_pretrained writes it)',
      );
  } else if (has('vocab.txt')) {
    json = bertFromVocab(dir, config.do_lower_case !== false);
    source = 'vocab.txt';
  } else {
    fail(
      'TOKENIZER_MISSING_FILE',
      `${dir} has no tokenizer.json (nor a BERT vocab.txt)`,
      dir,
      'tokenizer.json',
      'put the tokenizer.json (and tokenizer_config.json) saved with the model into the folder',
    );
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (cause) {
    fail(
      'TOKENIZER_INVALID',
      `${join(dir, source)} does not define a tokenizer this library runs: ${cause instanceof Error ? cause.message : String(cause)}`,
      dir,
      source,
      'use a tokenizer.json written by the Hugging Face tokenizers library',
      cause,
    );
  }
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false }).ids;
  // Which special ids wrap a sequence: encode a probe with and without them and find it inside.
  const plain = encode('a');
  const full: number[] = tokenizer.encode('a').ids;
  let at = -1;
  for (let k = 0; k + plain.length <= full.length && at < 0; k++)
    if (plain.every((id, j) => full[k + j] === id)) at = k;
  const prefix = at < 0 ? [] : full.slice(0, at);
  const suffix = at < 0 ? [] : full.slice(at + plain.length);
  // `pad_token` is a string, or an object with its `content` in newer configs.
  const pad = config.pad_token as string | { content?: unknown } | undefined;
  const padToken = typeof pad === 'string' ? pad : typeof pad?.content === 'string' ? pad.content : undefined;
  const padId = [padToken, '[PAD]', '<pad>']
    .map((t) => (t === undefined ? undefined : tokenizer.token_to_id(t)))
    .find((id) => id !== undefined);
  return { folder: dir, source, encode, prefix, suffix, padId: padId ?? 0 };
}
