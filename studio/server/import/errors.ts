/**
 * Why a machine written in another format (an XState config, a Mermaid state diagram) could not
 * be turned into a GymSpec: one class, its codes declared once in the registry. Each error says
 * where (line and column of the file, or the config's JSON path) and what to do.
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';

export const studioImportErrorCodes = registerCodes('studio', {
  STUDIO_IMPORT_SYNTAX: 'a file to import that does not parse (TypeScript, JavaScript, JSON or Mermaid)',
  STUDIO_IMPORT_UNSUPPORTED:
    'a file to import that uses what the importer does not read: code where a literal value must be, or a construct a GymSpec cannot hold',
  STUDIO_IMPORT_NO_MACHINE:
    'a file to import that holds no machine (no createMachine call, no state diagram)',
  STUDIO_IMPORT_TOO_DEEP: 'a file to import that nests deeper than the importer reads without risk',
});

export type StudioImportErrorCode = keyof typeof studioImportErrorCodes;

/** Where in the imported file: 1-based line and column. */
export interface ImportPosition {
  line: number;
  column: number;
}

/**
 * A file that cannot be converted; `details.line` and `details.column` (1-based) locate it when
 * the problem is at one place in the file, `details.path` when it is in a parsed config.
 *
 * @example
 * throw new ImportFormatError('STUDIO_IMPORT_UNSUPPORTED', 'a function call', { line: 3, column: 9 }, 'write a literal');
 */
export class ImportFormatError extends PalestraError {
  override name = 'ImportFormatError';
  declare readonly code: StudioImportErrorCode;
  readonly position: ImportPosition | undefined;

  constructor(
    code: StudioImportErrorCode,
    message: string,
    position: ImportPosition | undefined,
    hint: string,
    options: Omit<PalestraErrorOptions, 'hint'> = {},
  ) {
    super(code, position ? `line ${position.line}, column ${position.column}: ${message}` : message, {
      ...options,
      details: { ...options.details, ...position },
      hint,
    });
    this.position = position;
  }
}
