/**
 * `npm run python:env -- <use> [--force] [--link <path>]`: ensures a use's venv and prints its
 * python on stdout (progress goes to stderr). `--list` shows every use and whether it is current.
 *
 * @example
 *   npm run python:env -- openenv                 # prints .palestra/python/main/bin/python
 *   "$(npm run -s python:env -- trl)" bench/trainer/trainer_bench.py
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePythonEnv, pythonEnvStatus } from './ensurePythonEnv.ts';
import { PythonEnvError } from './pythonEnvError.ts';
import { pythonUses } from './uses.ts';

const USAGE = `usage: python:env <use> [--force] [--link <path>] | --list
uses: ${Object.entries(pythonUses)
  .map(([name, u]) => `${name} (${u.purpose})`)
  .join(', ')}
  --force        delete the use's venv and build it again
  --link <path>  also make <path> a symlink to the venv (for scripts that name an older venv path)
  --list         each use's state: current, stale, missing, legacy (a pre-helper venv that matches), override`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      force: { type: 'boolean' },
      link: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const name of Object.keys(pythonUses)) {
      const { state, python } = pythonEnvStatus(name);
      console.log(`${name.padEnd(8)} ${state.padEnd(8)} ${python}`);
    }
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(USAGE);
    return 1;
  }
  const python = await ensurePythonEnv(positionals[0]!, {
    force: values.force ?? false,
    ...(values.link ? { link: resolve(values.link) } : {}),
  });
  console.log(python);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof PythonEnvError) console.error(`python env failed [${err.code}]: ${err.explain()}`);
    else if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'))
      console.error(`${(err as Error).message}\n${USAGE}`);
    else console.error(err);
    process.exit(1);
  },
);
