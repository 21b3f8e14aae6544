import type { GymSpec } from '@palestra/envs/core';
import type { ReactNode } from 'react';
import { None, PanelSection } from './PanelSection.tsx';

type Rule = GymSpec['reward']['rules'][number];

/** How a rule pays, in words, and the amount (or the expression that computes it). */
export function describeRule(rule: Rule): { when: ReactNode; value: ReactNode } {
  if (rule.onEnter !== undefined)
    return {
      when: (
        <>
          on entering <code>{rule.onEnter}</code>
          {rule.transient ? ' (even in passing)' : ''}
        </>
      ),
      value: rule.value,
    };
  if (rule.perStep !== undefined) return { when: 'every step', value: rule.perStep };
  if (rule.when !== undefined)
    return {
      when: (
        <>
          when <code>{rule.when}</code>
        </>
      ),
      value: rule.value,
    };
  if (rule.expr !== undefined)
    return {
      when: 'every step, computed',
      value: <code>{rule.expr}</code>,
    };
  return {
    when: 'every step, by a module',
    value: <code>{rule.module}</code>,
  };
}

/** The reward rules (name, when each pays, how much) and the declared bounds of an episode's return. */
export function RewardSection({ reward }: { reward: GymSpec['reward'] | undefined }) {
  const rules = reward?.rules ?? [];
  return (
    <PanelSection title="Reward rules" count={rules.length}>
      {rules.length === 0 ? (
        <None>None: no rule pays anything, so every step's reward is 0.</None>
      ) : (
        <div className="panel-table-wrap">
          <table className="panel-table">
            <caption className="visually-hidden">Reward rules</caption>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Pays</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((rule, i) => {
                const { when, value } = describeRule(rule);
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rules have no id; their order is their identity.
                  <tr key={i}>
                    <th scope="row">{rule.name ?? <span className="muted">rule {i + 1}</span>}</th>
                    <td>{when}</td>
                    <td>{value}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p>
        Return bounds:{' '}
        {reward?.bounds ? (
          <>
            from <strong>{reward.bounds.min}</strong> to <strong>{reward.bounds.max}</strong> per episode.
          </>
        ) : (
          'none declared (the checker derives them where it can).'
        )}
      </p>
    </PanelSection>
  );
}
