import { docParts } from '../doc/schema.ts';
import { ordered } from '../doc/toSpec.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { AddRewardRule } from './AddRewardRule.tsx';
import { useEditors } from './EditorsContext.tsx';
import { RewardBounds } from './RewardBounds.tsx';
import { RewardRuleItem } from './RewardRuleItem.tsx';

/**
 * The reward rules: add one of every kind GymSpec has (on entering a state chosen from the list,
 * every step, when a CEL condition holds, an amount computed in CEL, a module function), delete
 * one, edit each one's fields (`when` and `expr` in collaborative CEL editors, the state from the
 * list, values as numbers); and the declared bounds of an episode's return as a small form. New
 * rules go last (`order`, as in schema.ts).
 *
 * @example
 * <RewardEditor /> // in the side panel, inside `EditorsContext`
 */
export function RewardEditor() {
  const { doc } = useEditors();
  const rules = ordered(docParts(doc).rewardRules);
  return (
    <PanelSection title="Reward rules" count={rules.length}>
      {rules.length === 0 && <None>None: no rule pays anything, so every step's reward is 0.</None>}
      {rules.map(([id, m], i) => (
        <RewardRuleItem key={id} id={id} rule={m} index={i} />
      ))}
      <AddRewardRule />
      <RewardBounds />
    </PanelSection>
  );
}
