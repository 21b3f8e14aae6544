/**
 * Importing a GymSpec file into a new studio environment: checked (size, JSON, `parseSpec` with
 * its JSON paths) before anything is written, then its bundle put in the content store and the
 * environment created in one transaction. A refused file writes nothing.
 */
import { ContentStore } from '@palestra/envs';
import { envSource, InputLimitError, SpecError, type SpecIssue } from '@palestra/envs/core';
import type { StudioContext } from './context.ts';
import type { Environment } from './db/index.ts';

/** The largest spec file the studio imports: 10 MB. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Room for a multipart body's boundaries and headers around a file of the largest size. */
export const MAX_IMPORT_BODY = MAX_IMPORT_BYTES + 64 * 1024;

/** Why an import was refused, as the page shows it. */
export interface ImportProblem {
  status: 400 | 413;
  message: string;
  hint?: string;
  /** The spec's problems, each at its JSON path (a spec that fails to parse). */
  issues?: SpecIssue[];
}

export type ImportOutcome = { ok: true; environment: Environment } | { ok: false; problem: ImportProblem };

const tooLarge = (bytes?: number): ImportOutcome => ({
  ok: false,
  problem: {
    status: 413,
    message: `the file is too large to import${bytes === undefined ? '' : ` (${(bytes / 1024 / 1024).toFixed(1)} MB)`}: the limit is 10 MB`,
    hint: 'a GymSpec is usually a few kilobytes: check that this is the spec.json file',
  },
});

/**
 * Imports the text of a spec file. `file` is its name, for the version's note.
 *
 * @example
 * const out = await importSpecText(readFileSync('spec.json', 'utf8'), context, 'spec.json');
 * if (out.ok) console.log(out.environment.id);
 */
export async function importSpecText(
  text: string,
  context: StudioContext,
  file?: string,
): Promise<ImportOutcome> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_IMPORT_BYTES) return tooLarge(bytes);
  if (text.trim() === '')
    return {
      ok: false,
      problem: { status: 400, message: 'the file is empty', hint: 'choose a GymSpec JSON file (spec.json)' },
    };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      problem: {
        status: 400,
        message: `the file is not JSON: ${(e as Error).message}`,
        hint: 'a GymSpec is a JSON file (spec.json); fix the syntax at the position given and import it again',
      },
    };
  }
  let source: ReturnType<typeof envSource>;
  try {
    // No code files come with a single file: a spec that names modules is refused with their paths.
    source = envSource(raw, {});
  } catch (e) {
    if (e instanceof SpecError)
      return {
        ok: false,
        problem: {
          status: 400,
          message: `the spec does not validate (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'})`,
          hint: e.hint ?? 'fix each problem at its JSON path, then import the file again',
          issues: e.issues,
        },
      };
    if (e instanceof InputLimitError)
      return { ok: false, problem: { status: 400, message: e.message, hint: e.hint } };
    throw e;
  }
  // Content-addressed: a bundle left behind by a failed insert below is harmless and reused.
  const root = await new ContentStore(context.storeDir).putSource(source);
  const environment = await context.repo.createEnvironment({
    name: source.spec.name,
    source: 'import',
    root,
    note: file ? `imported from ${file}` : 'imported',
  });
  return { ok: true, environment };
}

/**
 * Imports what a request posts: a multipart form with the file in `spec`, or the spec's JSON as
 * the body. A body declared over the limit is refused before it is read.
 */
export async function importFromRequest(request: Request, context: StudioContext): Promise<ImportOutcome> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_IMPORT_BODY) return tooLarge(declared);
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await request.formData();
    const file = form.get('spec');
    if (typeof file === 'string') return importSpecText(file, context);
    if (!file || file.size === 0)
      return {
        ok: false,
        problem: {
          status: 400,
          message: 'no file was chosen',
          hint: 'choose a GymSpec JSON file, or drop one on the page',
        },
      };
    if (file.size > MAX_IMPORT_BYTES) return tooLarge(file.size);
    return importSpecText(await file.text(), context, file.name);
  }
  const text = await request.text();
  return importSpecText(text, context);
}
