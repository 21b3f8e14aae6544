/**
 * A deterministic toy tokenizer for the test LLM server: text splits into pieces (a word or one
 * punctuation mark, each with its leading whitespace), so the pieces concatenate back to the text,
 * as byte-level BPE tokens do. A piece's id is its FNV-1a hash folded into a 32k vocabulary, and
 * its log-probability is derived from the id, so token ids and logprobs are real numbers that follow
 * from the text and never change between runs.
 */

export const VOCAB_SIZE = 32_000;

/** Splits text into pieces that join back to it. */
export function tokenize(text: string): string[] {
  return text.match(/\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+/gu) ?? [];
}

/** The id of a piece: FNV-1a (32-bit) of its UTF-8 bytes, folded into the vocabulary. */
export function tokenId(piece: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(piece)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % VOCAB_SIZE;
}

/** A log-probability in (−4, 0) derived from the id, rounded to 6 decimals so JSON stays exact. */
export function tokenLogprob(id: number): number {
  return -Math.round(((id % 997) / 250 + 0.001) * 1e6) / 1e6;
}

/** Text → ids. */
export function encode(text: string): number[] {
  return tokenize(text).map(tokenId);
}
