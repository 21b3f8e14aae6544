// The import form, shared by the Environments page and the import page (a plain module: a route
// module imported by another would bring its server code into the browser bundle).
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useSubmit } from 'react-router';
import './importForm.css';

/** The import limit, checked in the page before posting (the server checks it again). */
const MAX_BYTES = 10 * 1024 * 1024;

/**
 * The files the picker offers: GymSpec and XState JSON, XState modules (read, never run), Mermaid
 * state diagrams and Markdown holding one. The server tells them apart by extension and content.
 */
const ACCEPT = '.json,application/json,.ts,.mts,.cts,.js,.mjs,.cjs,.mmd,.mermaid,.md,.markdown,text/markdown';

/** A file of a picked or dropped folder, with its path in that folder (`refund-desk/tasks.js`). */
interface FolderFile {
  file: File;
  path: string;
}

const tooBig = (bytes: number, what: string) =>
  `${what} ${bytes > 1024 * 1024 ? `is ${(bytes / 1024 / 1024).toFixed(1)} MB` : 'is too large'}: the import limit is 10 MB.`;

/** Every file below a dropped entry, with its path (a folder's entries come in batches). */
async function entryFiles(entry: FileSystemEntry, prefix = ''): Promise<FolderFile[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((done, fail) => (entry as FileSystemFileEntry).file(done, fail));
    return [{ file, path: `${prefix}${entry.name}` }];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const entries: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((done, fail) => reader.readEntries(done, fail));
    if (batch.length === 0) break;
    entries.push(...batch);
  }
  const nested = await Promise.all(entries.map((e) => entryFiles(e, `${prefix}${entry.name}/`)));
  return nested.flat();
}

/**
 * The import form: a file (a GymSpec, an XState machine as JSON or a TypeScript/JavaScript module,
 * a Mermaid state diagram), or a folder (spec.json with its `.js` modules beside it), picked or
 * dropped anywhere on the page, or a machine pasted as text. A folder's files are posted together,
 * each named by its path in the folder; over the limit is refused here, before anything is sent.
 */
export function ImportForm() {
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const pasted = useRef<HTMLTextAreaElement>(null);
  const [local, setLocal] = useState<string | undefined>(undefined);
  const [over, setOver] = useState(false);

  const check = (file: File | undefined): boolean => {
    if (!file) {
      setLocal('Choose a file or a folder, or paste a machine, first.');
      return false;
    }
    if (file.size > MAX_BYTES) {
      setLocal(tooBig(file.size, file.name));
      return false;
    }
    setLocal(undefined);
    return true;
  };
  const sendFolder = (files: FolderFile[]) => {
    const total = files.reduce((n, f) => n + f.file.size, 0);
    if (total > MAX_BYTES) return setLocal(tooBig(total, `The folder (${files.length} files)`));
    if (!files.some((f) => f.path.toLowerCase().endsWith('.json')))
      return setLocal('That folder holds no JSON file: choose the folder with spec.json in it.');
    setLocal(undefined);
    const data = new FormData();
    for (const f of files) data.append('files', f.file, f.path);
    submit(data, { method: 'post', action: '/import', encType: 'multipart/form-data' });
    // Sent: the page comes back with the outcome, and the picker starts empty again.
    if (folder.current) folder.current.value = '';
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const picked = [...(folder.current?.files ?? [])];
    if (picked.length > 0) {
      e.preventDefault();
      sendFolder(picked.map((file) => ({ file, path: file.webkitRelativePath || file.name })));
    } else if (input.current?.files?.[0] || !pasted.current?.value.trim()) {
      if (!check(input.current?.files?.[0])) e.preventDefault();
    } else {
      const bytes = new Blob([pasted.current.value]).size;
      if (bytes > MAX_BYTES) {
        e.preventDefault();
        setLocal(tooBig(bytes, 'The pasted text'));
      } else setLocal(undefined);
    }
  };
  // A file, several files or a folder dropped anywhere on the page is imported (and the browser
  // never navigates to it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `check` and `sendFolder` only set state and submit; bound once
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
      const transfer = e.dataTransfer;
      if (!transfer) return;
      // Entries are read now: the drop's items are gone once this handler returns.
      const entries = [...transfer.items]
        .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null))
        .filter((entry): entry is FileSystemEntry => entry !== null);
      if (entries.length > 1 || entries.some((entry) => entry.isDirectory)) {
        Promise.all(entries.map((entry) => entryFiles(entry)))
          .then((files) => sendFolder(files.flat()))
          .catch((err: unknown) => setLocal(`The dropped folder could not be read: ${String(err)}`));
        return;
      }
      const files = transfer.files;
      // Several files without entries (a browser that gives none): sent together, by name.
      if (files.length > 1) return sendFolder([...files].map((file) => ({ file, path: file.name })));
      if (!input.current || files.length === 0) return;
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
      <div className="import-pickers">
        <span>
          <label htmlFor="import-file">File</label>{' '}
          <input ref={input} id="import-file" name="spec" type="file" accept={ACCEPT} />
        </span>
        <span>
          <label htmlFor="import-folder">or a folder</label>{' '}
          <input
            ref={folder}
            id="import-folder"
            name="files"
            type="file"
            multiple
            // Not in React's types: the attribute every current browser reads for a folder pick.
            {...{ webkitdirectory: '' }}
          />
        </span>
        <button type="submit">Import</button>
      </div>
      <details className="import-paste">
        <summary>or paste a machine</summary>
        <label htmlFor="import-text">
          An XState machine config (JSON or TypeScript), a Mermaid state diagram, or a GymSpec
        </label>
        <textarea ref={pasted} id="import-text" name="text" rows={10} spellCheck={false} />
      </details>
      <p id="import-help" className="muted">
        A GymSpec (spec.json, or the folder that holds it with its .js modules), an XState machine (a JSON
        config, or a .ts or .js file whose createMachine config is read, never run) or a Mermaid state diagram
        (.mmd, or a .md file with one), up to 10 MB; drop it anywhere on this page. It becomes a new
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
