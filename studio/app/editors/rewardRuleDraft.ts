import type { NewRewardRule, RewardKind } from '../doc/logicEdits.ts';

/** GymSpec's module reference (`file.js#exportName`), as envs' schema checks it. */
const MODULE_REF = /^[A-Za-z0-9_./-]+\.js#[A-Za-z_$][A-Za-z0-9_$]*$/;

/** What the new-rule form holds: the kind chosen and every field, as typed. */
export interface RewardRuleDraft {
  kind: RewardKind;
  /** The state chosen for `onEnter` (a dotted path); empty when there is none to choose. */
  state: string;
  /** What an `onEnter` or `when` rule pays. */
  value: number | undefined;
  /** What a `perStep` rule pays every step. */
  perStep: number | undefined;
  /** The CEL condition of `when`, or the amount of `expr`. */
  expr: string;
  /** `file.js#function`, for `module`. */
  module: string;
  /** The rule's name; blank: none. */
  name: string;
}

/**
 * The rule the form adds, or what is missing in words (shown beside the form, nothing added):
 * only the fields of the kind chosen are read.
 *
 * @example
 * ruleFromDraft({ ...draft, kind: 'perStep', perStep: -0.01 }) // { kind: 'perStep', value: -0.01 }
 * ruleFromDraft({ ...draft, kind: 'when', expr: ' ' }) // 'write the condition (CEL) under which it pays'
 */
export function ruleFromDraft(draft: RewardRuleDraft): NewRewardRule | string {
  const { kind, state, value, perStep, expr, module } = draft;
  const named = draft.name.trim() === '' ? {} : { name: draft.name.trim() };
  switch (kind) {
    case 'onEnter':
      if (state === '') return 'add a state first: the rule pays on entering one';
      if (value === undefined) return 'give the value it pays';
      return { kind, state, value, ...named };
    case 'perStep':
      if (perStep === undefined) return 'give the amount it pays every step';
      return { kind, value: perStep, ...named };
    case 'when':
      if (expr.trim() === '') return 'write the condition (CEL) under which it pays';
      if (value === undefined) return 'give the value it pays';
      return { kind, when: expr.trim(), value, ...named };
    case 'expr':
      if (expr.trim() === '') return 'write the CEL expression whose value it pays';
      return { kind, expr: expr.trim(), ...named };
    case 'module':
      if (!MODULE_REF.test(module.trim())) return 'name the function as file.js#function';
      return { kind, module: module.trim(), ...named };
  }
}
