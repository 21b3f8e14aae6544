import type { GymSpec } from '@palestra/envs/core';
import { type FocusEvent, type KeyboardEvent, useRef, useState } from 'react';
import { type LaidOutGraph, layoutGraph } from '../canvas/layoutGraph.ts';
import { mermaidOf } from '../canvas/mermaidOf.ts';
import { statechartGraph } from '../canvas/statechartGraph.ts';
import { download, fileStem } from './download.ts';
import './export.css';
import { svgToPng } from './png.ts';
import { statechartSvg } from './svg.ts';
import { xstateTs } from './xstateTs.ts';

/** Props of `ExportMenu`. */
export interface ExportMenuProps {
  spec: GymSpec;
  /** The environment's name, the stem of every file name (`refund-desk.gymspec.json`). */
  name: string;
}

/** One export: its button text and how to make the file. */
interface Format {
  label: string;
  file: (stem: string) => string;
  make: (spec: GymSpec, layout: () => Promise<LaidOutGraph>) => Promise<Blob | string> | Blob | string;
  type: string;
}

const FORMATS: Format[] = [
  {
    label: 'GymSpec (JSON)',
    file: (s) => `${s}.gymspec.json`,
    make: (spec) => `${JSON.stringify(spec, null, 2)}\n`,
    type: 'application/json',
  },
  { label: 'XState (TypeScript)', file: (s) => `${s}.machine.ts`, make: xstateTs, type: 'text/typescript' },
  { label: 'Mermaid', file: (s) => `${s}.mmd`, make: mermaidOf, type: 'text/vnd.mermaid' },
  {
    label: 'Statechart (SVG)',
    file: (s) => `${s}.svg`,
    make: async (spec, layout) => statechartSvg(await layout(), { title: spec.name }),
    type: 'image/svg+xml',
  },
  {
    label: 'Statechart (PNG, 2×)',
    file: (s) => `${s}.png`,
    make: async (spec, layout) => svgToPng(statechartSvg(await layout(), { title: spec.name })),
    type: 'image/png',
  },
];

/**
 * An "Export" disclosure menu: download the environment as its GymSpec JSON, an XState v5
 * TypeScript module, Mermaid `stateDiagram-v2` text, or the statechart as SVG or PNG (drawn from
 * the same elkjs layout as the canvas). Native `<details>` and buttons: keyboard-operable; Escape,
 * or focus moving elsewhere, closes it; the outcome of each export is announced in a status line.
 *
 * @example
 * <ExportMenu spec={env.spec} name={env.name} />
 */
export function ExportMenu({ spec, name }: ExportMenuProps) {
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState<string | undefined>();
  const menu = useRef<HTMLDetailsElement>(null);
  // Laid out once per spec, on the first image export.
  const layoutFor = useRef<{ spec: GymSpec; layout: Promise<LaidOutGraph> } | undefined>(undefined);
  const layout = () => {
    if (layoutFor.current?.spec !== spec)
      layoutFor.current = { spec, layout: layoutGraph(statechartGraph(spec)) };
    return layoutFor.current.layout;
  };

  const save = async (format: Format) => {
    const file = format.file(fileStem(name));
    setBusy(format.label);
    setStatus(`Preparing ${file}…`);
    try {
      download(file, await format.make(spec, layout), format.type);
      setStatus(`Saved ${file}.`);
    } catch (e) {
      setStatus(`Could not export ${format.label}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(undefined);
    }
  };

  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !menu.current?.open) return;
    menu.current.open = false;
    menu.current.querySelector('summary')?.focus();
  };
  // Focus leaving the menu (a click or Tab elsewhere) closes it, as a menu does.
  const closeOnLeave = (event: FocusEvent) => {
    if (menu.current?.open && !menu.current.contains(event.relatedTarget as Node | null))
      menu.current.open = false;
  };

  return (
    <div className="export-menu">
      <details ref={menu} onKeyDown={closeOnEscape} onBlur={closeOnLeave}>
        <summary>Export</summary>
        <ul aria-label="Export formats">
          {FORMATS.map((format) => (
            <li key={format.label}>
              <button
                type="button"
                // aria-disabled, not disabled: a disabled button drops focus, which would close the menu.
                aria-disabled={busy !== undefined}
                aria-busy={busy === format.label}
                onClick={() => busy === undefined && void save(format)}
              >
                {format.label}
              </button>
            </li>
          ))}
        </ul>
      </details>
      <p className="export-status" role="status">
        {status}
      </p>
    </div>
  );
}
