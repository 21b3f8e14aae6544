// The local LLM wire-format server lives in the overseer (the lowest package whose tests need it).
export * from '@palestra/overseer/testing';
