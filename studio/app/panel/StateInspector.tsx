import { useEffect, useId, useRef, useState } from 'react';
import type * as Y from 'yjs';
import type { Peer, PresenceField } from '../collab/presence.ts';
import { localOrigin } from '../collab/useCollabDoc.ts';
import { renameState } from '../doc/edits.ts';
import { docParts } from '../doc/schema.ts';
import './StateInspector.css';

/** Props of `StateInspector`. */
export interface StateInspectorProps {
  doc: Y.Doc;
  /** The selected state's document id. */
  stateId: string;
  /** Its dotted path now (for the heading). */
  path: string;
  /** The document's change count (`useCollabDoc`'s `version`): the fields re-read it. */
  version: number;
  /** A viewer: the fields are shown disabled. */
  readOnly: boolean;
  /** The others on the page: who is typing in which field is marked beside it. */
  peers: readonly Peer[];
  /** Called with the field this person is typing in, and null when they leave it (presence). */
  onField: (field: PresenceField | null) => void;
}

/**
 * The selected state's name and description, edited in the shared document as they are typed, so
 * that a colleague sees each keystroke (the full editor is issue 17's). A name is written only
 * when it is not blank: a state needs one, and a blank field left goes back to the document's.
 * Beside each field, a mark in each colleague's colour names who is typing in it.
 *
 * @example
 * <StateInspector doc={doc} stateId={id} path="review" version={v} readOnly={false} peers={peers} onField={send} />
 */
export function StateInspector({
  doc,
  stateId,
  path,
  version,
  readOnly,
  peers,
  onField,
}: StateInspectorProps) {
  void version;
  const state = docParts(doc).states.get(stateId);
  const name = typeof state?.get('name') === 'string' ? (state.get('name') as string) : '';
  const description =
    typeof state?.get('description') === 'string' ? (state.get('description') as string) : '';
  // While typing a name, the field shows what was typed (a blank one is not written).
  const [draft, setDraft] = useState<string | undefined>();
  const ids = { name: useId(), description: useId() };
  // Leaving a state (another selected, this one deleted) while typing leaves its field too.
  const typingIn = useRef<string | undefined>(undefined);
  const onFieldNow = useRef(onField);
  onFieldNow.current = onField;
  useEffect(() => {
    const shown = stateId;
    return () => {
      if (typingIn.current !== shown) return;
      typingIn.current = undefined;
      onFieldNow.current(null);
    };
  }, [stateId]);
  const enter = (field: PresenceField['field']) => {
    typingIn.current = stateId;
    onField({ state: stateId, field });
  };
  const leave = () => {
    typingIn.current = undefined;
    onField(null);
  };
  const typing = (field: PresenceField['field']) =>
    peers.filter((p) => p.field?.state === stateId && p.field.field === field);

  if (!state) return null;
  const marks = (field: PresenceField['field']) => (
    <span className="field-presence">
      {typing(field).map((p) => (
        <span
          key={p.clientId}
          className="field-peer"
          style={{ background: p.user.colour }}
          data-peer={p.user.name}
        >
          {p.user.name} is typing
        </span>
      ))}
    </span>
  );

  return (
    <section className="state-inspector" aria-labelledby="state-inspector-title">
      <h2 id="state-inspector-title">
        State <code>{path}</code>
      </h2>
      {readOnly && <p className="muted">You are a viewer: you can look, not edit.</p>}
      <div className="inspector-field">
        <label htmlFor={ids.name}>Name</label>
        {marks('name')}
        <input
          id={ids.name}
          value={draft ?? name}
          disabled={readOnly}
          spellCheck={false}
          onFocus={() => enter('name')}
          onBlur={() => {
            setDraft(undefined);
            leave();
          }}
          onChange={(e) => {
            const value = e.target.value;
            setDraft(value);
            if (value.trim() !== '') renameState(doc, stateId, value.trim(), localOrigin);
          }}
        />
      </div>
      <div className="inspector-field">
        <label htmlFor={ids.description}>Description</label>
        {marks('description')}
        <textarea
          id={ids.description}
          value={description}
          disabled={readOnly}
          rows={3}
          onFocus={() => enter('description')}
          onBlur={leave}
          onChange={(e) => {
            const value = e.target.value;
            doc.transact(() => {
              if (value === '') state.delete('description');
              else state.set('description', value);
            }, localOrigin);
          }}
        />
      </div>
    </section>
  );
}
