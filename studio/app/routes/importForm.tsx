// The import form, shared by the Environments page and the import page (a plain module: a route
// module imported by another would bring its server code into the browser bundle).
import { type FormEvent, useEffect, useRef, useState } from 'react';

/** The import limit, checked in the page before posting (the server checks it again). */
const MAX_BYTES = 10 * 1024 * 1024;

/**
 * The import form: a file input (JSON files), and the whole page a drop target for a file. A file
 * over the limit is refused here, before it is sent.
 */
export function ImportForm() {
  const form = useRef<HTMLFormElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [local, setLocal] = useState<string | undefined>(undefined);
  const [over, setOver] = useState(false);

  const check = (file: File | undefined): boolean => {
    if (!file) {
      setLocal('Choose a GymSpec JSON file first.');
      return false;
    }
    if (file.size > MAX_BYTES) {
      setLocal(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB: the import limit is 10 MB.`);
      return false;
    }
    setLocal(undefined);
    return true;
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    if (!check(input.current?.files?.[0])) e.preventDefault();
  };
  // A file dropped anywhere on the page is imported (and the browser never navigates to it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `check` only sets state; bound once
  useEffect(() => {
    const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const onDragOver = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setOver(true);
    };
    const onDragLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) setOver(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setOver(false);
      const files = e.dataTransfer?.files;
      if (!input.current || !files || files.length === 0) return;
      input.current.files = files;
      if (check(files[0])) form.current?.requestSubmit();
    };
    document.addEventListener('dragover', onDragOver);
    document.addEventListener('dragleave', onDragLeave);
    document.addEventListener('drop', onDrop);
    return () => {
      document.removeEventListener('dragover', onDragOver);
      document.removeEventListener('dragleave', onDragLeave);
      document.removeEventListener('drop', onDrop);
    };
  }, []);

  return (
    <form
      ref={form}
      method="post"
      action="/import"
      encType="multipart/form-data"
      className={over ? 'import-form drop-over' : 'import-form'}
      data-drop-over={over || undefined}
      onSubmit={onSubmit}
      aria-describedby="import-help"
    >
      <label htmlFor="import-file">GymSpec file</label>{' '}
      <input ref={input} id="import-file" name="spec" type="file" accept=".json,application/json" required />{' '}
      <button type="submit">Import</button>
      <p id="import-help" className="muted">
        Choose a spec.json file (up to 10 MB), or drop one anywhere on this page. It becomes a new
        environment.
      </p>
      {local && (
        <p role="alert" className="error-text">
          {local}
        </p>
      )}
    </form>
  );
}
