// Saved hosts beside the tabs: search as you type, grouped, recently used first; Enter or
// a double click connects. Add, edit (the store's field errors next to their fields),
// duplicate, delete with confirmation and undo, import from ~/.ssh/config.

import { useCallback, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { FORWARD_AGENT_WARNING, type ProfileView } from '../../../main/contract/api';
import type { Store } from '../state/store';
import { BUILT_IN_SCHEMES } from '../terminal/schemes';
import {
  formFor,
  groupHosts,
  hostLine,
  inputFrom,
  loadLastUsed,
  markUsed,
  viewToInput,
  type HostForm,
  type LastUsed,
} from '../state/hosts';

type Editing = { base: ProfileView | undefined; id: string | undefined; form: HostForm };

export function HostsPanel(props: { store: Store; storage: Storage | undefined; onClose(): void }) {
  const { store, storage } = props;
  const [profiles, setProfiles] = useState<ProfileView[] | undefined>();
  const [query, setQuery] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const [lastUsed, setLastUsed] = useState<LastUsed>(() => loadLastUsed(storage));
  const [editing, setEditing] = useState<Editing | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [removed, setRemoved] = useState<ProfileView | undefined>();

  const load = useCallback(async () => {
    try {
      const result = await store.api.listProfiles();
      if (result.ok) {
        setProfiles(result.profiles);
        store.applyProfileColors(result.profiles);
        if (result.notice) setMessage({ text: result.notice, error: true });
      } else setMessage({ text: result.error.message, error: true });
    } catch (error) {
      setMessage({ text: (error as Error).message, error: true });
    }
  }, [store]);

  useEffect(() => void load(), [load]);

  const groups = useMemo(
    () => groupHosts(profiles ?? [], query, lastUsed),
    [profiles, query, lastUsed],
  );

  const connect = (p: ProfileView): void => {
    setLastUsed((last) => markUsed(storage, last, p.id));
    store.connectProfile(p.name, p.color);
  };

  const remove = async (p: ProfileView): Promise<void> => {
    setConfirming(undefined);
    const result = await store.api.removeProfile(p.id);
    if (!result.ok) {
      setMessage({ text: result.error.message, error: true });
      return;
    }
    setRemoved(result.profile);
    setMessage(undefined);
    await load();
  };

  const undo = async (p: ProfileView): Promise<void> => {
    setRemoved(undefined);
    const result = await store.api.saveProfile(viewToInput(p));
    if (!result.ok) setMessage({ text: result.error.message, error: true });
    await load();
  };

  const importConfig = async (): Promise<void> => {
    const result = await store.api.importSshConfig();
    if (!result.ok) {
      setMessage({ text: result.error.message, error: true });
      return;
    }
    const added = result.added.length;
    const skipped = result.skipped.length;
    setMessage({
      text:
        `${added === 0 ? 'No new hosts' : `Added ${added} host${added === 1 ? '' : 's'}`} from ${result.file}` +
        (skipped > 0 ? `; ${skipped} skipped (already saved or not one host).` : '.'),
      error: false,
    });
    await load();
  };

  const first = groups[0]?.hosts[0];
  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'Enter' && first) {
      e.preventDefault();
      connect(first);
    }
  };

  if (editing) {
    return (
      <aside className="drawer left" aria-label="Hosts" data-panel="hosts">
        <HostEditor
          store={store}
          editing={editing}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) {
              setMessage({ text: `Saved ${saved.name}.`, error: false });
              void load();
            }
          }}
        />
      </aside>
    );
  }

  return (
    <aside className="drawer left" aria-label="Hosts" data-panel="hosts">
      <div className="drawer-head">
        <h2>Hosts</h2>
        <button className="icon" aria-label="Close hosts" onClick={props.onClose}>
          ×
        </button>
      </div>
      <div className="field-row">
        <input
          className="host-search"
          aria-label="Search hosts"
          placeholder="Search hosts"
          spellCheck={false}
          autoFocus
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onSearchKey}
        />
      </div>
      <div className="actions compact host-tools">
        <button onClick={() => void importConfig()} title="Add the Host entries of ~/.ssh/config">
          Import ssh_config
        </button>
        <button
          className="primary"
          onClick={() => setEditing({ base: undefined, id: undefined, form: formFor(undefined) })}
        >
          Add host
        </button>
      </div>
      {message && (
        <p className={message.error ? 'field-error' : 'muted small'} role="status">
          {message.text}
        </p>
      )}
      {removed && (
        <div className="undo-bar" role="status">
          <span>Deleted {removed.name}.</span>
          <button className="link-button" onClick={() => void undo(removed)}>
            Undo
          </button>
        </div>
      )}
      {profiles === undefined && <p className="muted">Loading…</p>}
      {profiles?.length === 0 && <p className="muted">No saved hosts yet.</p>}
      {profiles !== undefined && profiles.length > 0 && groups.length === 0 && (
        <p className="muted">No host matches “{query}”.</p>
      )}
      {groups.map((group) => (
        <section key={group.name} className="host-group">
          {(group.name !== '' || groups.length > 1) && (
            <h3 className="host-group-name">{group.name || 'Other'}</h3>
          )}
          <ul className="session-list">
            {group.hosts.map((p) => (
              <li
                key={p.id}
                className="session host"
                data-profile={p.name}
                tabIndex={0}
                onDoubleClick={(e) => {
                  // A double click on one of its buttons is two clicks on that button.
                  if (!(e.target as HTMLElement).closest('button')) connect(p);
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && e.target === e.currentTarget) {
                    e.preventDefault();
                    connect(p);
                  }
                }}
              >
                <div className="session-main">
                  <span className="session-name">{p.name}</span>
                </div>
                <div className="session-command" title={hostLine(p)}>
                  {hostLine(p)}
                </div>
                <div className="actions compact">
                  {confirming === p.id ? (
                    <>
                      <span className="muted small confirm-text">Delete {p.name}?</span>
                      <button className="danger" onClick={() => void remove(p)}>
                        Delete
                      </button>
                      <button onClick={() => setConfirming(undefined)}>Keep</button>
                    </>
                  ) : (
                    <>
                      <button onClick={() => setConfirming(p.id)}>Delete…</button>
                      <button
                        onClick={() =>
                          setEditing({
                            base: p,
                            id: undefined,
                            form: { ...formFor(p), name: `${p.name}-copy` },
                          })
                        }
                      >
                        Duplicate
                      </button>
                      <button onClick={() => setEditing({ base: p, id: p.id, form: formFor(p) })}>
                        Edit
                      </button>
                      <button className="primary" onClick={() => connect(p)}>
                        Connect
                      </button>
                    </>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}

function HostEditor(props: {
  store: Store;
  editing: Editing;
  onDone(saved: ProfileView | undefined): void;
}) {
  const { store, editing } = props;
  const [form, setForm] = useState<HostForm>(editing.form);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const save = async (): Promise<void> => {
    const built = inputFrom(form, editing.base, editing.id);
    if (!built.ok) {
      setFields(built.fields);
      setError(undefined);
      return;
    }
    setSaving(true);
    try {
      const result = await store.api.saveProfile(built.input);
      if (result.ok) {
        props.onDone(result.profile);
        return;
      }
      const byField: Record<string, string> = {};
      for (const f of result.error.fields ?? []) {
        const key = fieldKey(f.field);
        byField[key] ??= f.message;
      }
      setFields(byField);
      // Errors of fields this form does not show go in the summary.
      const shown = Object.keys(byField).every((k) => FORM_FIELDS.has(k));
      setError(shown && Object.keys(byField).length > 0 ? undefined : result.error.message);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const field = (
    key: Exclude<keyof HostForm, 'forwardAgent'>,
    label: string,
    extra: { placeholder?: string; type?: string } = {},
  ) => (
    <label className="form-field" data-field={key}>
      <span>{label}</span>
      <input
        aria-label={label}
        spellCheck={false}
        className={fields[key] ? 'invalid' : ''}
        aria-invalid={fields[key] ? true : undefined}
        value={form[key]}
        onChange={(e) => {
          setForm({ ...form, [key]: e.target.value });
          if (fields[key]) setFields({ ...fields, [key]: '' });
        }}
        {...extra}
      />
      {fields[key] && <span className="field-error">{fields[key]}</span>}
    </label>
  );

  return (
    <form
      className="host-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="drawer-head">
        <h2>{editing.id ? `Edit ${editing.base?.name ?? ''}` : 'New host'}</h2>
        <button
          type="button"
          className="icon"
          aria-label="Close editor"
          onClick={() => props.onDone(undefined)}
        >
          ×
        </button>
      </div>
      {field('name', 'Name', { placeholder: 'web-1' })}
      {field('host', 'Host', { placeholder: 'example.com or 10.0.0.5' })}
      {field('port', 'Port', { placeholder: '22' })}
      {field('user', 'User', { placeholder: 'default: your user name' })}
      <label className="form-field" data-field="auth">
        <span>Log in with</span>
        <select
          aria-label="Log in with"
          value={form.auth}
          onChange={(e) => setForm({ ...form, auth: e.target.value as HostForm['auth'] })}
        >
          <option value="default">As ssh would (agent, keys, password)</option>
          <option value="agent">SSH agent</option>
          <option value="key">A key file</option>
          <option value="password">A password</option>
        </select>
        {fields.auth && <span className="field-error">{fields.auth}</span>}
      </label>
      {form.auth === 'key' && field('keyFile', 'Key file', { placeholder: '~/.ssh/id_ed25519' })}
      {form.auth === 'password' &&
        field('password', 'Password', {
          type: 'password',
          placeholder:
            editing.base?.auth?.method === 'password' ? 'unchanged' : 'ask when connecting',
        })}
      {field('jump', 'Jump hosts', { placeholder: 'bastion, user@gw:2222' })}
      {field('alias', 'Follow ssh_config Host', { placeholder: 'instead of host, port, user…' })}
      {field('group', 'Group', { placeholder: 'e.g. production' })}
      {field('command', 'Command', { placeholder: 'default: the login shell' })}
      {field('agentDir', 'Agent directory on the server', {
        placeholder: 'default: ~/.holdfast, else a place that can run it',
      })}
      <label className="form-field form-check" data-field="forwardAgent">
        <span>
          <input
            type="checkbox"
            aria-label="Forward my SSH agent"
            checked={form.forwardAgent}
            onChange={(e) => setForm({ ...form, forwardAgent: e.target.checked })}
          />{' '}
          Forward my SSH agent
        </span>
        {form.forwardAgent && <span className="field-note">{FORWARD_AGENT_WARNING}</span>}
        {fields.forwardAgent && <span className="field-error">{fields.forwardAgent}</span>}
      </label>
      {field('forwards', 'Forwards (-L, -R, -D)', {
        placeholder: '-L 5432:localhost:5432, -R 8080:localhost:3000, -D 1080',
      })}
      {field('color', 'Tab colour', { placeholder: '#rrggbb, e.g. production in red' })}
      <div className="color-presets" role="group" aria-label="Tab colour presets">
        {TAB_COLOURS.map(([name, hex]) => (
          <button
            type="button"
            key={name}
            className="swatch"
            aria-label={name}
            title={name}
            style={hex ? { background: hex } : undefined}
            onClick={() => setForm({ ...form, color: hex })}
          >
            {hex ? '' : '∅'}
          </button>
        ))}
      </div>
      <label className="form-field" data-field="colorScheme">
        <span>Colour scheme</span>
        <select
          aria-label="Host colour scheme"
          value={form.colorScheme}
          onChange={(e) => setForm({ ...form, colorScheme: e.target.value })}
        >
          <option value="">The app’s (Settings)</option>
          {Object.entries(BUILT_IN_SCHEMES).map(([id, s]) => (
            <option key={id} value={id}>
              {s.name}
            </option>
          ))}
          {store.getSnapshot().settings.customSchemes.map((s) => (
            <option key={s.name} value={`custom:${s.name}`}>
              {s.name}
            </option>
          ))}
        </select>
        {fields.colorScheme && <span className="field-error">{fields.colorScheme}</span>}
      </label>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => props.onDone(undefined)}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={saving}>
          Save
        </button>
      </div>
    </form>
  );
}

/** Quick picks for a host's tab colour (any #rrggbb may be typed). */
const TAB_COLOURS: [string, string][] = [
  ['No colour', ''],
  ['Red', '#d0443a'],
  ['Orange', '#e07b24'],
  ['Yellow', '#c9a227'],
  ['Green', '#3f9d4a'],
  ['Blue', '#3b78d8'],
  ['Purple', '#8e5bd0'],
];

const FORM_FIELDS = new Set<string>([
  'name',
  'host',
  'port',
  'user',
  'auth',
  'keyFile',
  'password',
  'jump',
  'alias',
  'group',
  'command',
  'agentDir',
  'forwardAgent',
  'forwards',
  'color',
  'colorScheme',
]);

/** The store's dotted field (`auth.keyFile`, `jump[1]`) → the form field that shows it. */
function fieldKey(field: string): string {
  if (field === 'auth.keyFile') return 'keyFile';
  if (field === 'auth.password') return 'password';
  const head = /^[A-Za-z]+/.exec(field)?.[0] ?? field;
  return head;
}
