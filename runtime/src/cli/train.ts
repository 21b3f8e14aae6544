import { type Command, Option } from 'commander';
import { z } from 'zod';
import { intArg, numberArg } from './args.ts';

/** The flags of `palestra train`, checked as a whole (commander's parsers checked each number and choice). */
export const trainFlags = z.object({
  algo: z.enum(['sft', 'grpo', 'ppo']),
  model: z.string().min(1),
  name: z.string().min(1).optional(),
  loraRank: z.number().int().min(1).optional(),
  /** `q_proj, v_proj` → `['q_proj', 'v_proj']`. */
  targetModules: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    )
    .optional(),
  steps: z.number().int().min(1),
  group: z.number().int().min(1),
  episodesPerStep: z.number().int().min(1).optional(),
  warmStart: z.string().min(1).optional(),
  sftSteps: z.number().int().min(0).optional(),
  evalEvery: z.number().int().min(0),
  evalEpisodes: z.number().int().min(1),
  concurrency: z.number().int().min(1),
  seed: z.number().int().min(0),
  out: z.string().min(1),
  gpu: z.enum(['auto', 'cpu', 'cuda']),
  quantize: z.enum(['none', 'nf4']),
  config: z.string().min(1).optional(),
  temperature: z.number().min(0),
  maxTokens: z.number().int().min(1).optional(),
  overseer: z.string().min(1),
  quiet: z.boolean().optional(),
});
export type TrainFlags = z.output<typeof trainFlags>;

/**
 * Adds `palestra train` to a commander program.
 *
 * @example
 * registerTrainCommand(program); // palestra train echo-target --model tiny --steps 10 --group 8
 */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train a model on an environment: SFT on transcripts, then GRPO or PPO on its own rollouts (LoRA); rerun to resume',
    )
    .argument('<env>', 'catalog name or folder with spec.json')
    .requiredOption(
      '--model <dir|tiny>',
      'a local Hugging Face model folder (never downloaded), or "tiny" to try the loop',
    )
    .addOption(
      new Option('--algo <algo>', 'sft | grpo | ppo').choices(['sft', 'grpo', 'ppo']).default('grpo'),
    )
    .option('--name <name>', 'name the policy is served under, as NAME@STEP (default: the environment)')
    .option(
      '--lora-rank <r>',
      'LoRA rank (default: 16 for --model tiny, 8 for a model folder)',
      intArg('--lora-rank', 1),
    )
    .option(
      '--target-modules <list>',
      'comma-separated modules LoRA adapts (default: every attention and MLP projection, plus lm_head for --model tiny)',
    )
    .option('--steps <n>', 'optimisation steps of --algo (after the warm start)', intArg('--steps', 1), 10)
    .option(
      '--group <g>',
      'episodes per group: same task and seed, compared with each other (GRPO)',
      intArg('--group', 1),
      8,
    )
    .option(
      '--episodes-per-step <e>',
      'episodes per step, rounded up to whole groups (default: one group per training task)',
      intArg('--episodes-per-step', 1),
    )
    .option(
      '--warm-start <path>',
      'transcripts to imitate first: a scripted-actions file ({"episodes": [[...], ...]}, list i on training task i) or a folder of episodes',
    )
    .option(
      '--sft-steps <k>',
      'SFT steps on --warm-start before GRPO/PPO (default with --warm-start: 300 for --model tiny, 4 for a model folder)',
      intArg('--sft-steps'),
    )
    .option(
      '--eval-every <k>',
      'evaluate on the held-out tasks before training and every k steps (0: never)',
      intArg('--eval-every'),
      0,
    )
    .option(
      '--eval-episodes <n>',
      'held-out episodes per task at each evaluation',
      intArg('--eval-episodes', 1),
      4,
    )
    .option('--concurrency <c>', 'model calls in flight at once', intArg('--concurrency', 1), 8)
    .option(
      '--seed <s>',
      'run seed: tasks, environment seeds, the adapter initialisation',
      intArg('--seed'),
      0,
    )
    .option(
      '--out <dir>',
      'run folder: train.json, reward-curve.html, episodes, adapters',
      '.palestra/runs/train',
    )
    .addOption(
      new Option('--gpu <where>', 'auto takes CUDA when present')
        .choices(['auto', 'cpu', 'cuda'])
        .default('auto'),
    )
    .addOption(
      new Option('--quantize <q>', 'nf4: 4-bit base (QLoRA)').choices(['none', 'nf4']).default('none'),
    )
    .option(
      '--config <file>',
      'JSON algorithm options (TRL names: learning_rate, beta, epsilon, loss_type…), flat or {"grpo": {...}, "sft": {...}}',
    )
    .option(
      '--temperature <t>',
      'sampling temperature of training rollouts (evaluation is greedy)',
      numberArg('--temperature'),
      1,
    )
    .option(
      '--max-tokens <n>',
      'tokens per model turn (default: 48 for --model tiny, 128 for a model folder)',
      intArg('--max-tokens', 1),
    )
    .option(
      '--overseer <config>',
      'rewards: "rules" (replayed reward rules), a JSON ensemble config, or "none" (the environment\'s)',
      'rules',
    )
    .option('--quiet', 'no progress bar, one line per step')
    .addHelpText(
      'after',
      `
How it works: the trainer service (Python: torch, transformers, peft; installed into .palestra/python/main
on first use, or ahead with npm run trainer:install) serves the policy behind an OpenAI-compatible endpoint. Each step plays grouped rollouts of
the training tasks with the openai agent against it, scores them with the overseer, and sends the exact
sampled tokens to /train; the service hot-swaps to the new LoRA adapter (NAME@STEP). Progress goes to
--out/train.json and the chart to --out/reward-curve.html after every step. Ctrl-C stops after the
current phase; the same command again resumes (finished steps are never trained twice). Defaults follow
the model's size (--model tiny gets rates that let a random model learn; a folder gets TRL's); the
settings line at the start shows them, and the log warns when the run is learning nothing.

Examples:
  palestra train echo-phrasings --model tiny --warm-start examples/echo-phrasings-demos.json --steps 10 --group 8 --eval-every 5
  palestra train refund-desk --model ~/models/Qwen2.5-0.5B-Instruct --algo grpo --lora-rank 16 \\
      --steps 50 --group 8 --episodes-per-step 64 --config examples/grpo.json --out runs/rd-grpo
  palestra train echo-phrasings --model tiny --algo sft --warm-start examples/echo-phrasings-demos.json --steps 300`,
    )
    .action(async (name: string, raw: unknown) => {
      // The training engine (and what it imports) loads only when training starts, not for every
      // `palestra` command.
      const { trainAction } = await import('./trainAction.ts');
      await trainAction(name, raw);
    });
}
