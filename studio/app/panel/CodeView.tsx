import { useEffect, useRef, useState } from 'react';

/** Props of `CodeView`. */
export interface CodeViewProps {
  /** The file's name: its label, and its language (`.json` is JSON, anything else JavaScript). */
  fileName: string;
  code: string;
}

/**
 * A file's source in a read-only CodeMirror 6 view. CodeMirror needs the DOM: the server (and the
 * page before CodeMirror has loaded) shows the plain text in a read-only `<textarea>` instead, so the code is
 * readable at once and without JavaScript. The editor is created in an effect, from a lazily
 * loaded chunk, and destroyed on unmount or when the file changes.
 *
 * @example
 * <CodeView fileName="policy.js" code={files['policy.js']} />
 */
export function CodeView({ fileName, code }: CodeViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const [mounted, setMounted] = useState(false);
  const label = `${fileName} (read-only)`;

  useEffect(() => {
    let view: { destroy(): void } | undefined;
    let cancelled = false;
    import('./codeMirror.ts').then(
      ({ createCodeView }) => {
        if (cancelled || !host.current) return;
        view = createCodeView(host.current, fileName, code, label);
        setMounted(true);
      },
      // The chunk failed to load (offline, a stale build): the plain text stays.
      () => undefined,
    );
    return () => {
      cancelled = true;
      view?.destroy();
      setMounted(false);
    };
  }, [fileName, code, label]);

  return (
    <div className="code-view">
      <div ref={host} className="code-view-editor" hidden={!mounted} />
      {!mounted && (
        // A read-only textarea: focusable and scrollable by keyboard, and named, as CodeMirror's view is.
        <textarea
          className="code-view-fallback"
          readOnly
          wrap="off"
          value={code}
          aria-label={label}
          rows={12}
        />
      )}
    </div>
  );
}
