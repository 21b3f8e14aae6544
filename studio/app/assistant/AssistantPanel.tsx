import { type FormEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type * as Y from 'yjs';
import { undoManagerFor } from '../collab/undo.ts';
import type { LiveCheck } from '../validate/liveChecker.ts';
import { AssistantCallError, type ChatEntry, runAssistantTurn } from './assistantLoop.ts';
import type { ToolHost } from './executeTool.ts';
import { type StudioClient, studioClient } from './studioClient.ts';
import type { AssistantErrorView, ChatMessage, ModelSettingsView } from './transcript.ts';
import { useProblemsReader } from './useProblemsReader.ts';
import './assistant.css';

/** Props of `AssistantPanel`. */
export interface AssistantPanelProps {
  /** The environment's id (its page's `:ref`). */
  envRef: string;
  /** The page's document once loaded. */
  doc: Y.Doc | undefined;
  /** A viewer: the panel says so and offers nothing. */
  readOnly: boolean;
  /** The page's live check: what `read_problems` reads. */
  check: LiveCheck;
}

/**
 * The design assistant's chat, in the environment page's side column (collapsible): the model
 * chosen like the agents' (an OpenAI-compatible endpoint or an Anthropic model, a key typed for
 * this session and kept in the studio's memory), the member's requests, the model's answers,
 * each tool call with its effect, errors with code, message and hint, and proposed versions with
 * a Commit button. The conversation lives in this component's memory only.
 *
 * @example
 * <AssistantPanel envRef={env.ref} doc={doc} readOnly={readOnly} check={live} />
 */
export function AssistantPanel({ envRef, doc, readOnly, check }: AssistantPanelProps) {
  const titleId = useId();
  return (
    <section className="assistant-panel" aria-labelledby={titleId}>
      <details>
        <summary className="assistant-summary">
          <h2 id={titleId}>Design assistant</h2>
        </summary>
        {readOnly ? (
          <p className="muted assistant-viewer-note">
            Viewers cannot use the assistant: its edits would change the environment.
          </p>
        ) : (
          <AssistantChat envRef={envRef} doc={doc} check={check} />
        )}
      </details>
    </section>
  );
}

/** One chat entry with its key, and for a finished turn the undo step it made. */
interface Shown {
  key: number;
  entry: ChatEntry | { kind: 'undo'; step: unknown };
}

function AssistantChat({ envRef, doc, check }: Omit<AssistantPanelProps, 'readOnly'>) {
  const client = useMemo(() => studioClient(envRef), [envRef]);
  const [settings, setSettings] = useState<ModelSettingsView | null | undefined>(undefined);
  const [settingsError, setSettingsError] = useState<AssistantErrorView>();
  const [editing, setEditing] = useState(false);
  const [shown, setShown] = useState<Shown[]>([]);
  const history = useRef<ChatMessage[]>([]);
  const [running, setRunning] = useState<AbortController>();
  const [request, setRequest] = useState('');
  const problems = useProblemsReader(doc, check);
  const nextKey = useRef(0);
  const log = useRef<HTMLOListElement>(null);
  // The newest entry in view, as a chat shows it.
  useEffect(() => {
    // The list only, not the page: the member may be looking at the canvas.
    if (shown.length > 0 && log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [shown]);
  const show = useCallback((entry: Shown['entry']) => {
    setShown((list) => [...list, { key: nextKey.current++, entry }]);
  }, []);

  useEffect(() => {
    let live = true;
    client.settings().then(
      (s) => {
        if (live) setSettings(s);
      },
      (e) => {
        if (!live) return;
        setSettings(null);
        setSettingsError(viewOf(e));
      },
    );
    return () => {
      live = false;
    };
  }, [client]);

  const host: ToolHost = useMemo(
    () => ({ problems, runs: client.runs, run: client.run }),
    [problems, client],
  );

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const text = request.trim();
    if (!doc || !text || running) return;
    const controller = new AbortController();
    setRunning(controller);
    setRequest('');
    try {
      const { messages, undoStep } = await runAssistantTurn(history.current, text, {
        doc,
        host,
        complete: client.complete,
        onEntry: show,
        signal: controller.signal,
      });
      history.current = messages;
      if (undoStep !== undefined) show({ kind: 'undo', step: undoStep });
    } finally {
      setRunning(undefined);
    }
  };

  const configured = settings != null && !editing;
  return (
    <div className="assistant-body">
      {settings === undefined ? (
        <p className="muted">Loading the assistant’s settings…</p>
      ) : configured ? (
        <p className="assistant-model">
          Model <code>{`${settings.provider}:${settings.model}`}</code>
          {settings.baseUrl && (
            <>
              {' '}
              at <code>{settings.baseUrl}</code>
            </>
          )}
          {settings.hasKey ? ' · key kept in the studio’s memory for this session' : ' · no key typed'}{' '}
          <button type="button" className="link-button" onClick={() => setEditing(true)}>
            Change
          </button>{' '}
          <button
            type="button"
            className="link-button"
            onClick={() =>
              void client.forget().then(
                () => setSettings(null),
                (err) => setSettingsError(viewOf(err)),
              )
            }
          >
            Forget
          </button>
        </p>
      ) : (
        <ModelForm
          client={client}
          current={settings}
          onSaved={(s) => {
            setSettings(s);
            setEditing(false);
            setSettingsError(undefined);
          }}
          onError={setSettingsError}
          onCancel={settings ? () => setEditing(false) : undefined}
        />
      )}
      {settingsError && <ErrorView error={settingsError} />}
      <ol className="assistant-log" aria-label="Conversation with the assistant" aria-live="polite" ref={log}>
        {shown.map(({ key, entry }) => (
          <li key={key} className={`assistant-entry assistant-${entry.kind}`}>
            <EntryView entry={entry} doc={doc} client={client} />
          </li>
        ))}
      </ol>
      <form className="assistant-ask" onSubmit={send}>
        <label>
          Ask the assistant
          <textarea
            name="request"
            rows={3}
            value={request}
            placeholder="add a state where the agent must ask for the order id before refunding"
            onChange={(e) => setRequest(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
            }}
          />
        </label>
        <div className="assistant-actions">
          <button type="submit" disabled={!configured || !doc || running !== undefined || !request.trim()}>
            Send
          </button>
          {running && (
            <button type="button" onClick={() => running.abort()}>
              Stop
            </button>
          )}
          {running && (
            <span className="muted" role="status">
              Working…
            </span>
          )}
        </div>
      </form>
    </div>
  );
}

const viewOf = (e: unknown): AssistantErrorView =>
  e instanceof AssistantCallError ? e.view : { code: 'ASSISTANT_STUDIO_UNREACHABLE', message: String(e) };

/** The model settings form: like the run page's agent fields, with a key kept for the session. */
function ModelForm({
  client,
  current,
  onSaved,
  onError,
  onCancel,
}: {
  client: StudioClient;
  current: ModelSettingsView | null;
  onSaved: (s: ModelSettingsView) => void;
  onError: (e: AssistantErrorView) => void;
  onCancel: (() => void) | undefined;
}) {
  const [provider, setProvider] = useState<'openai' | 'anthropic'>(current?.provider ?? 'openai');
  const [saving, setSaving] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const apiKey = String(data.get('apiKey') ?? '');
    setSaving(true);
    try {
      const saved = await client.configure({
        provider,
        model: String(data.get('model') ?? ''),
        baseUrl: String(data.get('baseUrl') ?? ''),
        ...(apiKey && { apiKey }),
      });
      onSaved(saved);
    } catch (err) {
      onError(viewOf(err));
    } finally {
      // The key leaves the page with the request: the field does not keep it.
      const key = form.elements.namedItem('apiKey') as HTMLInputElement | null;
      if (key) key.value = '';
      setSaving(false);
    }
  };
  return (
    <form className="assistant-model-form" onSubmit={submit}>
      <label>
        Provider
        <select value={provider} onChange={(e) => setProvider(e.currentTarget.value as typeof provider)}>
          <option value="openai">openai: an OpenAI-compatible endpoint</option>
          <option value="anthropic">anthropic: a Claude model</option>
        </select>
      </label>
      <label>
        Model
        <input
          name="model"
          required
          defaultValue={current?.model ?? ''}
          placeholder={provider === 'openai' ? 'gpt-4.1-mini' : 'claude-sonnet-4-5'}
        />
      </label>
      <label>
        Base URL <span className="muted">(optional)</span>
        <input
          name="baseUrl"
          type="url"
          defaultValue={current?.baseUrl ?? ''}
          placeholder={provider === 'openai' ? 'http://127.0.0.1:8000/v1' : 'https://api.anthropic.com'}
        />
      </label>
      <label>
        API key{' '}
        <span className="muted">
          (optional; kept in the studio’s memory for this session
          {current?.hasKey ? '; empty keeps the one typed' : ''})
        </span>
        <input name="apiKey" type="password" autoComplete="off" spellCheck={false} />
      </label>
      <div className="assistant-actions">
        <button type="submit" disabled={saving}>
          Use this model
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function ErrorView({ error }: { error: AssistantErrorView }) {
  return (
    <p role="alert" className="assistant-error error-text">
      <code>{error.code}</code> {error.message}
      {error.hint && <span className="assistant-hint"> {error.hint}</span>}
    </p>
  );
}

function EntryView({
  entry,
  doc,
  client,
}: {
  entry: Shown['entry'];
  doc: Y.Doc | undefined;
  client: StudioClient;
}) {
  switch (entry.kind) {
    case 'user':
      return (
        <p>
          <span className="assistant-who">You</span> {entry.text}
        </p>
      );
    case 'assistant':
      return (
        <p>
          <span className="assistant-who">Assistant</span> {entry.text}
        </p>
      );
    case 'note':
      return <p className="muted">{entry.text}</p>;
    case 'error':
      return <ErrorView error={entry.error} />;
    case 'undo':
      return doc ? <UndoTurn doc={doc} step={entry.step} /> : null;
    case 'tool': {
      const { outcome } = entry;
      return (
        <>
          <p data-ok={outcome.ok}>
            <code className="assistant-tool-name">{outcome.call.name}</code>{' '}
            <span className="assistant-status">{outcome.ok ? 'done' : 'refused'}:</span> {outcome.effect}
          </p>
          {outcome.call.arguments.trim() !== '' && outcome.call.arguments.trim() !== '{}' && (
            <details className="assistant-args">
              <summary>Arguments</summary>
              <pre>{pretty(outcome.call.arguments)}</pre>
            </details>
          )}
          {outcome.proposal && <ProposalCard message={outcome.proposal.message} client={client} />}
        </>
      );
    }
  }
}

const pretty = (args: string) => {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
};

/** "Undo this turn", offered while the turn's undo step is the member's latest. */
function UndoTurn({ doc, step }: { doc: Y.Doc; step: unknown }) {
  const um = undoManagerFor(doc);
  const [onTop, setOnTop] = useState(() => um.undoStack.at(-1) === step);
  useEffect(() => {
    const update = () => setOnTop(um.undoStack.at(-1) === step);
    update();
    um.on('stack-item-added', update);
    um.on('stack-item-popped', update);
    um.on('stack-item-updated', update);
    um.on('stack-cleared', update);
    return () => {
      um.off('stack-item-added', update);
      um.off('stack-item-popped', update);
      um.off('stack-item-updated', update);
      um.off('stack-cleared', update);
    };
  }, [um, step]);
  if (!onTop) return null;
  return (
    <button type="button" className="assistant-undo" onClick={() => um.undo()}>
      Undo this turn
    </button>
  );
}

/** A proposed version: the member commits it, or not. */
function ProposalCard({ message, client }: { message: string; client: StudioClient }) {
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'busy' }
    | { kind: 'done'; root: string }
    | { kind: 'failed'; error: AssistantErrorView }
  >({ kind: 'idle' });
  const commit = async () => {
    setState({ kind: 'busy' });
    try {
      const { root } = await client.commit(message);
      setState({ kind: 'done', root });
    } catch (e) {
      setState({ kind: 'failed', error: viewOf(e) });
    }
  };
  return (
    <section className="assistant-proposal" aria-label="Proposed version">
      <p>
        Proposed version: <strong>{message}</strong>
      </p>
      {state.kind === 'done' ? (
        <p role="status">
          Committed: root <code title={state.root}>{state.root.slice(0, 12)}…</code>
        </p>
      ) : (
        <button type="button" onClick={() => void commit()} disabled={state.kind === 'busy'}>
          Commit
        </button>
      )}
      {state.kind === 'failed' && <ErrorView error={state.error} />}
    </section>
  );
}
