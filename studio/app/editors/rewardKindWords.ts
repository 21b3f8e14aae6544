import type { RewardKind } from '../doc/logicEdits.ts';

/** Each kind of reward rule in words, as the rule list names it and the new-rule form offers it. */
export const REWARD_KIND_WORDS: Record<RewardKind, string> = {
  onEnter: 'On entering a state',
  perStep: 'Every step',
  when: 'When a condition holds',
  expr: 'An amount computed in CEL',
  module: 'A module function',
};
