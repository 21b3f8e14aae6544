export { type CacheEntry, VerdictCache, type VerdictKeyParts, verdictKey } from './cache/cache.ts';
export { type EnsembleMember, EnsembleOverseer } from './ensemble/ensemble.ts';
export { RulesOverseer, vetoWhen } from './rules/rules.ts';
export * from './types.ts';
