import type { TrainAlgo } from './service.ts';

/**
 * Training defaults chosen by model size. TRL's defaults (GRPO learning rate 1e-6, SFT 2e-4) suit
 * a pretrained model of billions of parameters, whose LoRA update must stay small; the `tiny` model
 * (`--model tiny`: a few hundred thousand parameters, random weights) learns nothing with them: its
 * output head is random, so LoRA must adapt it too (`lm_head`), and it needs rates 10³ larger and a
 * few hundred SFT steps to learn a tool-call format at all. Every value here is overridden by the
 * matching flag or `--config` key, and the resolved values go into the step log and `train.json`.
 */
export interface ModelDefaults {
  /** Which profile applied: `tiny` (the built-in model), or `pretrained` (a model folder). */
  profile: 'tiny' | 'pretrained';
  loraRank: number;
  /** Modules LoRA adapts; undefined: the trainer's own choice (every attention and MLP projection). */
  targetModules?: string[];
  /** SFT steps on `--warm-start` before GRPO/PPO. */
  sftSteps: number;
  /** Tokens per model turn. */
  maxTokens: number;
  /** Per algorithm: the `/train` options the user's `--config` is laid over. */
  config: Record<TrainAlgo, Record<string, unknown>>;
}

/**
 * Measured on echo-phrasings with 2 CPU cores (`npx palestra train echo-phrasings --model tiny
 * --warm-start examples/echo-phrasings-demos.json --steps 10 --group 8 --eval-every 5`, the
 * README's command): 100 SFT steps at 3e-3 teach only the tool-call format; 300 also teach the
 * model to read the word (held-out success 50%, reward ≈ 0 with the half-right demonstrator).
 * GRPO at 1e-3 with two updates per batch (TRL's `num_iterations`) then reaches reward ≈ 0.75 in
 * three steps and stays there; at 2e-3 or 3e-3 it overshoots and oscillates, with one update per
 * batch it is twice as slow. At TRL's rates the same run stays at reward ≈ 0.
 */
const TINY: ModelDefaults = {
  profile: 'tiny',
  loraRank: 16,
  targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj', 'lm_head'],
  sftSteps: 300,
  maxTokens: 48,
  config: {
    sft: { learning_rate: 3e-3 },
    grpo: { learning_rate: 1e-3, num_iterations: 2 },
    ppo: { learning_rate: 1e-3 },
  },
};

/** TRL's defaults (GRPOConfig, SFTConfig, PPOConfig), with a LoRA rank of 8 on every projection. */
const PRETRAINED: ModelDefaults = {
  profile: 'pretrained',
  loraRank: 8,
  sftSteps: 4,
  maxTokens: 128,
  config: {
    sft: { learning_rate: 2e-5 },
    grpo: { learning_rate: 1e-6 },
    ppo: { learning_rate: 1e-6 },
  },
};

/** The defaults for `--model <model>`. */
export function modelDefaults(model: string): ModelDefaults {
  return model === 'tiny' ? TINY : PRETRAINED;
}

/** `a,b,c` of a LoRA target list, or the trainer's default in words. */
function targets(list: string[] | undefined): string {
  return list ? list.join(',') : 'every attention and MLP projection';
}

/**
 * One line for the step log: what the run trains with, and which profile chose it.
 *
 * @example
 * settingsLine({ profile: 'tiny', loraRank: 16, ... }) // "settings (tiny defaults): LoRA rank 16 on q_proj,...; ..."
 */
export function settingsLine(s: {
  profile: ModelDefaults['profile'];
  loraRank: number;
  targetModules?: string[] | undefined;
  sftSteps: number;
  maxTokens: number;
  algo: TrainAlgo;
  config: Record<string, unknown>;
  sftConfig: Record<string, unknown>;
}): string {
  // `lr 0.001, num_iterations 2`: the learning rate first, then every other option set.
  const lr = (c: Record<string, unknown>) =>
    [
      c.learning_rate === undefined ? '-' : String(c.learning_rate),
      ...Object.entries(c)
        .filter(([k]) => k !== 'learning_rate')
        .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`),
    ].join(', ');
  const sft =
    s.sftSteps > 0 || s.algo === 'sft' ? ` · sft lr ${lr(s.algo === 'sft' ? s.config : s.sftConfig)}` : '';
  const sftSteps = s.algo !== 'sft' && s.sftSteps > 0 ? ` × ${s.sftSteps} steps` : '';
  const rl = s.algo === 'sft' ? '' : ` · ${s.algo} lr ${lr(s.config)}`;
  return `settings (${s.profile} defaults, flags and --config override): LoRA rank ${s.loraRank} on ${targets(s.targetModules)}${sft}${sftSteps}${rl} · max ${s.maxTokens} tokens per turn`;
}
