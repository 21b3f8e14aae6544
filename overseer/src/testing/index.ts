// Test support shared by the overseer's and the runtime's tests: a local server speaking the
// OpenAI and Anthropic wire formats, and its toy tokenizer.
export * from './llmServer.ts';
export * from './tokenizer.ts';
