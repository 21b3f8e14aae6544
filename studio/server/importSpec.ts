/**
 * Importing a GymSpec file, or a folder (its spec.json and the module files beside it), into a new
 * studio environment: checked (size, JSON, `parseSpec` with its JSON paths, the modules the spec
 * names) before anything is written, then its bundle put in the content store and the
 * environment created in one transaction. A refused file writes nothing.
 *
 * An XState machine (JSON, or a TypeScript or JavaScript module read without running it) or a
 * Mermaid state diagram is converted to a GymSpec first (`import/convertImport.ts`), then imported
 * the same way; what the conversion dropped or made up comes back with the environment.
 */
import { ContentStore } from '@palestra/envs';
import { envSource, InputLimitError, SpecError, type SpecIssue } from '@palestra/envs/core';
import type { StudioContext } from './context.ts';
import type { Environment, EnvironmentSource } from './db/index.ts';
import { convertImport } from './import/convertImport.ts';
import { ImportFormatError, type ImportPosition } from './import/errors.ts';
import type { ConversionReport } from './import/gymSpecOf.ts';

export type { ConversionReport } from './import/gymSpecOf.ts';

/** The largest spec file the studio imports: 10 MB. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Room for a multipart body's boundaries and headers around a file of the largest size. */
export const MAX_IMPORT_BODY = MAX_IMPORT_BYTES + 64 * 1024;

/** Why an import was refused, as the page shows it (403, 404: a workspace the member may not add to). */
export interface ImportProblem {
  status: 400 | 403 | 404 | 413;
  message: string;
  hint?: string;
  /** The spec's problems, each at its JSON path (a spec that fails to parse). */
  issues?: SpecIssue[];
  /** Where in the file, for a machine file that does not convert (1-based). */
  position?: ImportPosition;
}

export type ImportOutcome =
  | {
      ok: true;
      environment: Environment;
      /** For a converted machine (XState, Mermaid): what the page tells its author. */
      conversion?: ConversionReport;
    }
  | { ok: false; problem: ImportProblem };

const tooLarge = (bytes?: number): ImportOutcome => ({
  ok: false,
  problem: {
    status: 413,
    message: `the file is too large to import${bytes === undefined ? '' : ` (${(bytes / 1024 / 1024).toFixed(1)} MB)`}: the limit is 10 MB`,
    hint: 'a GymSpec is usually a few kilobytes: check that this is the spec.json file',
  },
});

/** `module file "tasks.js" is not in the bundle`: parseSpec's words for a module the files lack. */
const MISSING_MODULE = /module file "([^"]+)" is not in the bundle/;

/**
 * Where a new environment goes and where it came from: its workspace (default: the default
 * workspace) and, for a fork, `source: 'catalog'` with the catalog name as `sourceRef` (the
 * schema's "forked from" columns; an import has neither).
 */
export interface ImportTarget {
  workspaceId?: string;
  source?: EnvironmentSource;
  sourceRef?: string | null;
}

/**
 * Imports the text of a spec file, with the module files beside it (`files`, by name as the spec
 * names them) when it comes from a folder. `file` is its name, for the version's note; `target`
 * its workspace and source.
 *
 * @example
 * const out = await importSpecText(readFileSync('spec.json', 'utf8'), context, 'spec.json');
 * if (out.ok) console.log(out.environment.id);
 */
export async function importSpecText(
  text: string,
  context: StudioContext,
  file?: string,
  files: Record<string, string> = {},
  target: ImportTarget = {},
): Promise<ImportOutcome> {
  const bytes =
    Buffer.byteLength(text, 'utf8') + Object.values(files).reduce((n, f) => n + Buffer.byteLength(f), 0);
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
        message: `${file ?? 'the file'} is not JSON: ${(e as Error).message}`,
        hint: 'a GymSpec is a JSON file (spec.json); fix the syntax at the position given and import it again',
      },
    };
  }
  let source: ReturnType<typeof envSource>;
  try {
    // A single file brings no code files: a spec that names modules is refused with their paths.
    source = envSource(raw, files);
  } catch (e) {
    if (e instanceof SpecError) {
      const missing = [...new Set(e.issues.flatMap((i) => MISSING_MODULE.exec(i.message)?.[1] ?? []))];
      const fromFolder = Object.keys(files).length > 0;
      return {
        ok: false,
        problem: {
          status: 400,
          message:
            missing.length > 0
              ? `the spec names module file${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, missing from ${fromFolder ? 'the folder' : 'the import'}`
              : `the spec does not validate (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'})`,
          hint:
            missing.length > 0
              ? `import the whole folder (spec.json with ${missing.join(', ')} beside it)`
              : (e.hint ?? 'fix each problem at its JSON path, then import the file again'),
          issues: e.issues,
        },
      };
    }
    if (e instanceof InputLimitError)
      return { ok: false, problem: { status: 400, message: e.message, hint: e.hint } };
    throw e;
  }
  // Content-addressed: a bundle left behind by a failed insert below is harmless and reused.
  const root = await new ContentStore(context.storeDir).putSource(source);
  const from = target.source ?? 'import';
  const environment = await context.repo.createEnvironment({
    name: source.spec.name,
    source: from,
    sourceRef: target.sourceRef ?? null,
    workspaceId: target.workspaceId,
    root,
    note:
      from === 'catalog' && target.sourceRef
        ? `forked from the catalog's ${target.sourceRef}`
        : file
          ? `imported from ${file}`
          : 'imported',
  });
  return { ok: true, environment };
}

/**
 * Imports a file of any format the studio reads: a GymSpec (as `importSpecText`), an XState
 * machine config (JSON, or a `.ts`/`.js` module whose `createMachine` argument is read, never
 * run) or a Mermaid state diagram (`.mmd`, or a mermaid block in `.md`), told apart by `file`'s
 * extension and then by content (pasted text has no name). A machine that does not convert is
 * refused with its line and column; nothing is written then either.
 *
 * @example
 * const out = await importText(readFileSync('light.ts', 'utf8'), context, 'light.ts');
 * if (out.ok) console.log(out.conversion?.warnings);
 */
export async function importText(
  text: string,
  context: StudioContext,
  file?: string,
  target: ImportTarget = {},
): Promise<ImportOutcome> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_IMPORT_BYTES) return tooLarge(bytes);
  let converted: Awaited<ReturnType<typeof convertImport>>;
  try {
    converted = text.trim() === '' ? undefined : await convertImport(text, file);
  } catch (e) {
    if (e instanceof ImportFormatError)
      return {
        ok: false,
        problem: {
          status: 400,
          message: `${file ?? 'the text'} could not be read: ${e.message}`,
          ...(e.hint && { hint: e.hint }),
          ...(e.position && { position: e.position }),
        },
      };
    if (e instanceof InputLimitError)
      return { ok: false, problem: { status: 400, message: e.message, ...(e.hint && { hint: e.hint }) } };
    throw e;
  }
  // Neither JSON nor a machine in another format: say what the studio reads, not only "not JSON".
  const jsonLike = /^[[{]/.test(text.replace(/^\uFEFF/, '').trimStart()) || /\.json$/i.test(file ?? '');
  if (!converted && text.trim() !== '' && !jsonLike)
    return {
      ok: false,
      problem: {
        status: 400,
        message: `${file ?? 'the text'} is not a GymSpec, an XState machine or a Mermaid state diagram`,
        hint: 'import a GymSpec or an XState config (.json), an XState module (.ts, .js) that calls createMachine(…), or a Mermaid state diagram (.mmd, or a .md file with a ```mermaid block starting stateDiagram-v2)',
      },
    };
  if (!converted) return importSpecText(text, context, file, {}, target);
  const out = await importSpecText(JSON.stringify(converted.spec), context, file, {}, target);
  if (!out.ok)
    return {
      ok: false,
      problem: {
        ...out.problem,
        message: `the ${converted.report.format} machine converts to a GymSpec that does not validate: ${out.problem.message}`,
        hint: `fix it in ${file ?? 'the machine'} (the paths below are the GymSpec's: "machine" is the machine config)`,
      },
    };
  return { ...out, conversion: converted.report };
}

/** The names a spec file goes by in a folder, in order of preference. */
const SPEC_NAMES = ['spec.json', 'gymspec.json'];

/**
 * Picks the spec and its modules out of a folder's files (names relative to the folder, `/`
 * between parts): the shallowest `spec.json` (or `gymspec.json`; or the one JSON file there is),
 * and the `.js` files beside it, by name, as `loadEnvDir` reads a folder. Other files (goldens,
 * tests) are left out.
 */
export function pickFolderFiles(
  files: Array<{ name: string; text: string }>,
): { spec: { name: string; text: string }; modules: Record<string, string> } | { error: string } {
  const parts = (name: string) => name.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  const depth = (name: string) => parts(name).length;
  const base = (name: string) => parts(name).at(-1) ?? '';
  const dirOf = (name: string) => parts(name).slice(0, -1).join('/');
  const byDepth = [...files].sort((a, b) => depth(a.name) - depth(b.name) || a.name.localeCompare(b.name));
  const json = byDepth.filter((f) => base(f.name).toLowerCase().endsWith('.json'));
  const spec =
    SPEC_NAMES.map((n) => byDepth.find((f) => base(f.name).toLowerCase() === n)).find((f) => f) ??
    (json.length === 1 ? json[0] : undefined);
  if (!spec)
    return {
      error:
        json.length === 0
          ? 'the folder holds no spec.json'
          : `the folder holds no spec.json, and ${json.length} other JSON files: name the spec spec.json`,
    };
  const dir = dirOf(spec.name);
  const modules: Record<string, string> = {};
  for (const f of files)
    if (dirOf(f.name) === dir && base(f.name).endsWith('.js')) modules[base(f.name)] = f.text;
  return { spec, modules };
}

const noFile: ImportOutcome = {
  ok: false,
  problem: {
    status: 400,
    message: 'no file was chosen',
    hint: 'choose a GymSpec JSON file, an XState machine (.json, .ts, .js) or a Mermaid state diagram (.mmd, .md), a folder, or paste one',
  },
};

/**
 * Imports what a request posts: a multipart form with one file in `spec` (any format `importText`
 * reads), or a folder's files in `files` (each named by its path in the folder), or pasted text
 * in `text`, or the file's text as the body. A body declared over the limit is refused before it
 * is read. The environment goes into `target`'s workspace.
 */
export async function importFromRequest(
  request: Request,
  context: StudioContext,
  target: ImportTarget = {},
): Promise<ImportOutcome> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_IMPORT_BODY) return tooLarge(declared);
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await request.formData();
    // A browser posts an empty folder picker as one nameless, empty file: that is no folder.
    const many = form
      .getAll('files')
      .filter((f): f is File => typeof f !== 'string' && !(f.name === '' && f.size === 0));
    if (many.length > 0) {
      const total = many.reduce((n, f) => n + f.size, 0);
      if (total > MAX_IMPORT_BYTES) return tooLarge(total);
      const picked = pickFolderFiles(
        await Promise.all(many.map(async (f) => ({ name: f.name, text: await f.text() }))),
      );
      if ('error' in picked)
        return {
          ok: false,
          problem: {
            status: 400,
            message: picked.error,
            hint: 'choose the folder that holds spec.json (and its .js modules beside it)',
          },
        };
      return importSpecText(picked.spec.text, context, picked.spec.name, picked.modules, target);
    }
    const file = form.get('spec');
    const pasted = form.get('text');
    if (file && typeof file !== 'string' && file.size > 0) {
      if (file.size > MAX_IMPORT_BYTES) return tooLarge(file.size);
      return importText(await file.text(), context, file.name, target);
    }
    if (typeof file === 'string' && file !== '') return importText(file, context, undefined, target);
    if (typeof pasted === 'string' && pasted.trim() !== '')
      return importText(pasted, context, undefined, target);
    return noFile;
  }
  const text = await request.text();
  return importText(text, context, undefined, target);
}
