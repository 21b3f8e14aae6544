import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RewardRuleDraft, ruleFromDraft } from './rewardRuleDraft.ts';

/** The form as it opens: on entering a state, paying 1; every step, -0.01. */
const draft: RewardRuleDraft = {
  kind: 'onEnter',
  state: 'done',
  value: 1,
  perStep: -0.01,
  expr: '',
  module: '',
  name: '',
};

describe('the new reward rule form', () => {
  it('gives the rule of the kind chosen, reading only that kind’s fields', () => {
    assert.deepEqual(ruleFromDraft(draft), { kind: 'onEnter', state: 'done', value: 1 });
    assert.deepEqual(ruleFromDraft({ ...draft, kind: 'perStep', name: '  tick ' }), {
      kind: 'perStep',
      value: -0.01,
      name: 'tick',
    });
    assert.deepEqual(ruleFromDraft({ ...draft, kind: 'when', expr: ' context.ok ', value: 2 }), {
      kind: 'when',
      when: 'context.ok',
      value: 2,
    });
    assert.deepEqual(ruleFromDraft({ ...draft, kind: 'expr', expr: 'context.n * 0.1' }), {
      kind: 'expr',
      expr: 'context.n * 0.1',
    });
    assert.deepEqual(ruleFromDraft({ ...draft, kind: 'module', module: ' policy.js#reward ' }), {
      kind: 'module',
      module: 'policy.js#reward',
    });
  });

  it('says what is missing instead', () => {
    assert.equal(ruleFromDraft({ ...draft, state: '' }), 'add a state first: the rule pays on entering one');
    assert.equal(ruleFromDraft({ ...draft, value: undefined }), 'give the value it pays');
    assert.equal(
      ruleFromDraft({ ...draft, kind: 'perStep', perStep: undefined }),
      'give the amount it pays every step',
    );
    assert.equal(
      ruleFromDraft({ ...draft, kind: 'when', expr: '  ' }),
      'write the condition (CEL) under which it pays',
    );
    assert.equal(ruleFromDraft({ ...draft, kind: 'expr' }), 'write the CEL expression whose value it pays');
    for (const module of ['policy.js', 'policy#reward', 'policy.js#1st', '../x.js#f y'])
      assert.equal(
        ruleFromDraft({ ...draft, kind: 'module', module }),
        'name the function as file.js#function',
        module,
      );
  });
});
