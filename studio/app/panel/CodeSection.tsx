import { CodeView } from './CodeView.tsx';
import { None, PanelSection } from './PanelSection.tsx';

/** The environment's code modules (its `.js` files), each in a read-only, highlighted view. */
export function CodeSection({ files }: { files: Record<string, string> }) {
  const names = Object.keys(files).sort();
  return (
    <PanelSection title="Code modules" count={names.length}>
      {names.length === 0 ? (
        <None>None: this environment is expressions only (no JavaScript modules).</None>
      ) : (
        names.map((name) => (
          <div key={name} className="panel-file">
            <h3>
              <code>{name}</code> <span className="muted">{lineCount(files[name]!)} lines</span>
            </h3>
            <CodeView fileName={name} code={files[name]!} />
          </div>
        ))
      )}
    </PanelSection>
  );
}

function lineCount(text: string): number {
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
