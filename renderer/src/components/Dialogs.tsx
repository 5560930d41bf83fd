// Modal questions: the engine's prompts (password, passphrase, keyboard-interactive,
// unknown host key) and "close this tab: detach or end the session?".

import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { PromptAnswer, PromptRequest } from '../../../main/contract/api';
import type { CloseScope, OpenPrompt, Store, TabView } from '../state/store';
import { leaves } from '../../../main/contract/paneLayout';
import { tabTitle } from '../state/store';
import { SHELL_INTEGRATION_ABOUT, SHELL_INTEGRATION_LINE } from '../terminal/shellIntegration';

function Modal(props: { label: string; onEscape(): void; children: ReactNode; kind?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const { onEscape } = props;
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    // React focuses an `autoFocus` child itself; otherwise the first field or button.
    if (!box.current?.contains(document.activeElement)) {
      box.current?.querySelector<HTMLElement>('input, button')?.focus();
    }
    return () => previous?.focus?.();
  }, []);
  return (
    <div className="modal-backdrop">
      <div
        className={`modal ${props.kind ?? ''}`}
        role="dialog"
        aria-modal="true"
        aria-label={props.label}
        ref={box}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Escape') {
            e.preventDefault();
            onEscape();
          }
          // Keep Tab inside the dialog.
          if (e.key === 'Tab' && box.current) {
            const focusable = [
              ...box.current.querySelectorAll<HTMLElement>('input, button, select'),
            ].filter((el) => !(el as HTMLButtonElement).disabled);
            const first = focusable[0];
            const last = focusable[focusable.length - 1];
            if (e.shiftKey && document.activeElement === first) {
              e.preventDefault();
              last?.focus();
            } else if (!e.shiftKey && document.activeElement === last) {
              e.preventDefault();
              first?.focus();
            }
          }
        }}
      >
        {props.children}
      </div>
    </div>
  );
}

export function PromptDialog(props: {
  store: Store;
  prompt: OpenPrompt;
  tab: TabView | undefined;
  more: number;
}) {
  const { store, prompt } = props;
  const answer = (a: PromptAnswer): void => void store.answer(prompt.promptId, a);
  const cancel = (): void => answer({ kind: 'cancel' });
  const req = prompt.request;
  const footer =
    props.more > 0 ? (
      <p className="muted small">{props.more} more question(s) after this one.</p>
    ) : null;
  if (req.kind === 'unknown-host-key') {
    return (
      <Modal label="Unknown host key" onEscape={cancel}>
        <HostKeyQuestion request={req} onAnswer={answer} />
        {footer}
      </Modal>
    );
  }
  return (
    <Modal label={titleOf(req)} onEscape={cancel}>
      <TextQuestion key={prompt.promptId} request={req} onAnswer={answer} />
      {footer}
    </Modal>
  );
}

function titleOf(req: PromptRequest): string {
  switch (req.kind) {
    case 'password':
      return `Password for ${req.user}@${req.host}`;
    case 'passphrase':
      return 'Key passphrase';
    case 'keyboard-interactive':
      return req.name || 'The server asks';
    case 'unknown-host-key':
      return 'Unknown host key';
  }
}

function TextQuestion(props: {
  request: Exclude<PromptRequest, { kind: 'unknown-host-key' }>;
  onAnswer(a: PromptAnswer): void;
}) {
  const req = props.request;
  const questions =
    req.kind === 'keyboard-interactive'
      ? req.questions
      : [{ text: req.kind === 'password' ? 'Password' : 'Passphrase', echo: false }];
  const [values, setValues] = useState<string[]>(() => questions.map(() => ''));
  return (
    <form
      data-prompt={req.kind}
      onSubmit={(e) => {
        e.preventDefault();
        props.onAnswer({ kind: 'text', values });
      }}
    >
      <h2>{titleOf(req)}</h2>
      {req.kind === 'password' && (
        <p className="muted">
          Holdfast keeps it in memory while the app runs, to reconnect without asking again.
        </p>
      )}
      {req.kind === 'passphrase' && (
        <p>
          The key <code>{req.keyPath}</code> is encrypted. Its passphrase stays in memory only while
          the app runs.
        </p>
      )}
      {req.kind === 'keyboard-interactive' && req.instructions && (
        <p className="instructions">{req.instructions}</p>
      )}
      {questions.map((q, i) => (
        <label className="field" key={i}>
          <span>{q.text}</span>
          <input
            type={q.echo ? 'text' : 'password'}
            autoFocus={i === 0}
            autoComplete="off"
            spellCheck={false}
            value={values[i] ?? ''}
            onChange={(e) => setValues(values.map((v, j) => (j === i ? e.target.value : v)))}
          />
        </label>
      ))}
      <div className="actions">
        <button type="button" onClick={() => props.onAnswer({ kind: 'cancel' })}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Continue
        </button>
      </div>
    </form>
  );
}

function HostKeyQuestion(props: {
  request: Extract<PromptRequest, { kind: 'unknown-host-key' }>;
  onAnswer(a: PromptAnswer): void;
}) {
  const req = props.request;
  const where = req.port === 22 ? req.host : `[${req.host}]:${req.port}`;
  return (
    <div data-prompt="unknown-host-key">
      <h2>First connection to {where}</h2>
      <p>
        Holdfast has not seen this server before and cannot tell yet that it is the one you mean.
        Compare its key fingerprint with the one the server's administrator gave you:
      </p>
      <div className="fingerprint-box">
        <span className="key-type">{req.keyType}</span>
        <code className="fingerprint">{req.fingerprint}</code>
      </div>
      <p className="muted small">
        On the server,{' '}
        <code>ssh-keygen -lf /etc/ssh/ssh_host_{shortKeyType(req.keyType)}_key.pub</code> prints it.
      </p>
      <div className="actions">
        {/* Focus starts on Cancel: trusting a key takes a deliberate click, not a stray Enter. */}
        <button autoFocus onClick={() => props.onAnswer({ kind: 'cancel' })}>
          Cancel
        </button>
        <button onClick={() => props.onAnswer({ kind: 'host-key', decision: 'trust-once' })}>
          Trust once
        </button>
        <button
          className="primary"
          onClick={() => props.onAnswer({ kind: 'host-key', decision: 'trust-and-remember' })}
        >
          Trust and remember
        </button>
      </div>
    </div>
  );
}

function shortKeyType(keyType: string): string {
  if (/ed25519/i.test(keyType)) return 'ed25519';
  if (/ecdsa/i.test(keyType)) return 'ecdsa';
  if (/rsa/i.test(keyType)) return 'rsa';
  return '*';
}

/** Asks before typing the shell integration line into a tab's shell, showing the line. */
export function ShellIntegrationDialog(props: { store: Store; tab: TabView; onClose(): void }) {
  const { store, tab, onClose } = props;
  return (
    <Modal label="Install shell integration" onEscape={onClose}>
      <div data-dialog="shell-integration">
        <h2>Install shell integration in “{tabTitle(tab)}”?</h2>
        <p>{SHELL_INTEGRATION_ABOUT}</p>
        <pre className="snippet">{SHELL_INTEGRATION_LINE.trim()}</pre>
        <div className="actions">
          <button onClick={onClose}>Cancel</button>
          <button
            className="primary"
            autoFocus
            onClick={() => {
              store.installShellIntegration(tab.key);
              onClose();
            }}
          >
            Type it into the shell
          </button>
        </div>
      </div>
    </Modal>
  );
}

export function CloseDialog(props: { store: Store; tab: TabView; scope: CloseScope }) {
  const { store, tab, scope } = props;
  const [dontAsk, setDontAsk] = useState(false);
  const panes = scope === 'tab' ? (store.groupOf(tab.key)?.tree ?? { pane: tab.key }) : undefined;
  const count = panes ? leaves(panes).length : 1;
  const what = scope === 'pane' ? 'pane' : 'tab';
  return (
    <Modal label={`Close ${what}`} onEscape={() => store.cancelClose()}>
      <div data-dialog="close-tab">
        <h2>
          Close {scope === 'pane' ? 'the pane ' : ''}“{tabTitle(tab)}”
          {count > 1 ? ` and its ${count} panes` : ''}?
        </h2>
        <p>
          Detach leaves {count > 1 ? 'the sessions' : 'the session'} running on {tab.label}: reopen
          {count > 1 ? ' them' : ' it'} any time from Sessions. Ending stops everything running in
          {count > 1 ? ' them' : ' it'}.
        </p>
        <label className="check">
          <input type="checkbox" checked={dontAsk} onChange={(e) => setDontAsk(e.target.checked)} />
          Don't ask again (always detach)
        </label>
        <div className="actions">
          <button
            className="danger"
            onClick={() => store.close(tab.key, 'kill', false, scope)}
            disabled={dontAsk}
          >
            End session
          </button>
          <button onClick={() => store.cancelClose()}>Cancel</button>
          <button
            className="primary"
            autoFocus
            onClick={() => store.close(tab.key, 'detach', dontAsk, scope)}
          >
            Detach
          </button>
        </div>
      </div>
    </Modal>
  );
}

/** "Rename this session": the name the server keeps (sessions list, `attach NAME`). */
export function RenameSessionDialog(props: { store: Store; tab: TabView; onClose(): void }) {
  const { store, tab } = props;
  const [name, setName] = useState(tab.sessionName ?? '');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const state = tab.state;
  const submit = async (): Promise<void> => {
    if (!tab.target || state?.kind !== 'connected') return;
    setBusy(true);
    const r = await store.renameSession(tab.target, state.sessionId, name);
    setBusy(false);
    if (r.ok) props.onClose();
    else setError(r.message);
  };
  return (
    <Modal label="Rename session" onEscape={props.onClose}>
      <form
        data-dialog="rename-session"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2>Rename the session on {tab.label}</h2>
        <p>The server keeps this name: the Sessions list shows it, and `attach` takes it.</p>
        <input
          aria-label="Session name"
          autoFocus
          spellCheck={false}
          maxLength={64}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(undefined);
          }}
        />
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={busy || name.trim() === ''}>
            Rename
          </button>
        </div>
      </form>
    </Modal>
  );
}
