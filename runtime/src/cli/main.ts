import { paint } from './args.ts';
import { exitCodeFor, formatError } from './printError.ts';
import { createProgram } from './program.ts';

const program = createProgram();

/** Prints an error by the CLI's one rule (see `formatError`) and sets the exit code. */
function fail(e: unknown): void {
  console.error(paint('red', formatError(e, { debug: program.opts().debug === true })));
  process.exitCode = exitCodeFor(e);
}

// Output piped into a reader that stopped early (`palestra run … | head`): nothing more can be
// shown, and it is no error of the command's; stop as a shell pipeline expects, quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  fail(e);
});

// An error outside a command's promise (a server's 'error' event, a stray rejection) follows the
// same rule instead of Node's default stack dump; the process cannot be trusted to go on.
process.on('uncaughtException', (e) => {
  fail(e);
  process.exit();
});
process.on('unhandledRejection', (e) => {
  fail(e);
  process.exit();
});

program.parseAsync(process.argv).catch(fail);
