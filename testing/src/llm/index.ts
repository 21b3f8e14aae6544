// Test support shared by the overseer's and the runtime's tests: a local server speaking the
// OpenAI and Anthropic wire formats (with a built-in naive judge model), its toy tokenizer, and
// a recorder of real episodes, failed ones included.
export * from './closedPort.ts';
export * from './llmServer.ts';
export * from './naiveJudge.ts';
export * from './recordEpisode.ts';
export * from './tokenizer.ts';
