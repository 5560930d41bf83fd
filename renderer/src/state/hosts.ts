// The host list's pure parts: filtering as you type, grouping, recently used first, and
// the form's text ↔ the contract's ProfileInput. When each host was last used is kept in
// localStorage (it is this window's habit, not part of the profile).

import type { ProfileInput, ProfileView } from '../../../main/contract/api';

const LAST_USED_KEY = 'holdfast.hosts.lastUsed';

/** The part of localStorage used here (this file is also compiled without the DOM). */
export type Shelf = {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
};

/** Profile id → epoch ms of its last connect from the list. */
export type LastUsed = Readonly<Record<string, number>>;

export function loadLastUsed(storage: Shelf | undefined): LastUsed {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(LAST_USED_KEY) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) return {};
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

export function markUsed(storage: Shelf | undefined, last: LastUsed, id: string): LastUsed {
  const next = { ...last, [id]: Date.now() };
  try {
    storage?.setItem(LAST_USED_KEY, JSON.stringify(next));
  } catch {
    // Storage full or off: the order is only a convenience.
  }
  return next;
}

/** `user@host:port`, or the ssh_config alias a profile follows. */
export function hostLine(p: ProfileView): string {
  if (p.alias !== undefined) return `ssh_config: ${p.alias}`;
  const host = p.host?.includes(':') ? `[${p.host}]` : (p.host ?? '');
  return `${p.user ? `${p.user}@` : ''}${host}${p.port ? `:${p.port}` : ''}`;
}

export type HostGroup = { name: string; hosts: ProfileView[] };

/**
 * The profiles matching `query` (every word in name, host, user, alias or group), grouped
 * by group (named groups A–Z, then the ungrouped), most recently used first in each.
 */
export function groupHosts(
  profiles: readonly ProfileView[],
  query: string,
  lastUsed: LastUsed,
): HostGroup[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = profiles.filter((p) => {
    const hay = [p.name, p.host, p.user, p.alias, p.group, p.port?.toString()]
      .filter(Boolean)
      .join(' ')
      .toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const groups = new Map<string, ProfileView[]>();
  for (const p of matches) {
    const name = p.group ?? '';
    groups.set(name, [...(groups.get(name) ?? []), p]);
  }
  const order = [...groups.keys()].sort((a, b) =>
    a === '' ? 1 : b === '' ? -1 : a.localeCompare(b),
  );
  return order.map((name) => ({
    name,
    hosts: (groups.get(name) ?? []).sort(
      (a, b) => (lastUsed[b.id] ?? 0) - (lastUsed[a.id] ?? 0) || a.name.localeCompare(b.name),
    ),
  }));
}

/** What the editor shows, as text. */
export type HostForm = {
  name: string;
  alias: string;
  host: string;
  port: string;
  user: string;
  auth: 'default' | 'agent' | 'key' | 'password';
  keyFile: string;
  password: string;
  jump: string;
  group: string;
  command: string;
  agentDir: string;
  /** Forward the local ssh-agent into the session (off by default). */
  forwardAgent: boolean;
  /** Port forwards as ssh writes them, comma-separated: `-L 5432:localhost:5432, -D 1080`. */
  forwards: string;
  /** The colour of its tabs, `#rrggbb`; empty for none. */
  color: string;
  /** Its tabs' colour scheme; empty for the app's. */
  colorScheme: string;
};

export function formFor(p: ProfileView | undefined): HostForm {
  return {
    name: p?.name ?? '',
    alias: p?.alias ?? '',
    host: p?.host ?? '',
    port: p?.port?.toString() ?? '',
    user: p?.user ?? '',
    auth: p?.auth?.method ?? 'default',
    keyFile: p?.auth?.method === 'key' ? p.auth.keyFile : '',
    password: '',
    jump: p?.jump?.join(', ') ?? '',
    group: p?.group ?? '',
    command: p?.command ?? '',
    agentDir: p?.agentDir ?? '',
    forwardAgent: p?.forwardAgent ?? false,
    forwards: forwardsText(p?.forwards ?? []),
    color: p?.color ?? '',
    colorScheme: p?.colorScheme ?? '',
  };
}

type ForwardEntry = NonNullable<ProfileInput['forwards']>[number];
const FLAGS: Record<ForwardEntry['kind'], string> = { local: '-L', remote: '-R', dynamic: '-D' };
const KINDS: Record<string, ForwardEntry['kind']> = { L: 'local', R: 'remote', D: 'dynamic' };

/** Forwards as the editor shows them: `-L 5432:localhost:5432, -D 1080`. */
export function forwardsText(list: readonly ForwardEntry[]): string {
  return list.map((f) => `${FLAGS[f.kind]} ${f.spec}`).join(', ');
}

/**
 * The editor's forwards text as entries: each `-L SPEC`, `-R SPEC` or `-D SPEC` (the dash
 * may be left out), separated by commas. The spec itself is judged by the store.
 */
export function parseForwardsText(
  text: string,
): { ok: true; value: ForwardEntry[] } | { ok: false; message: string } {
  const out: ForwardEntry[] = [];
  for (const part of text.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    const m = /^-?([LRD])\s+(\S+)$/.exec(t);
    const kind = m ? KINDS[m[1] as string] : undefined;
    if (!m || !kind) {
      return {
        ok: false,
        message: `'${t}' is not a forward: write -L 5432:localhost:5432, -R 8080:localhost:3000 or -D 1080`,
      };
    }
    out.push({ kind, spec: m[2] as string });
  }
  return { ok: true, value: out };
}

/**
 * The form as a ProfileInput on top of `base` (fields the form does not show are kept), or
 * the field errors the form can tell by itself. The store judges everything else.
 */
export function inputFrom(
  form: HostForm,
  base: ProfileView | undefined,
  id: string | undefined,
): { ok: true; input: ProfileInput } | { ok: false; fields: Record<string, string> } {
  const port = form.port.trim();
  if (port !== '' && !/^\d+$/.test(port)) {
    return { ok: false, fields: { port: 'must be a whole number from 1 to 65535' } };
  }
  const forwards = parseForwardsText(form.forwards);
  if (!forwards.ok) return { ok: false, fields: { forwards: forwards.message } };
  const input: ProfileInput = base ? viewToInput(base) : { name: '' };
  const text = (v: string): string | undefined => (v.trim() === '' ? undefined : v.trim());
  const set = <K extends keyof ProfileInput>(key: K, value: ProfileInput[K] | undefined): void => {
    if (value === undefined) delete input[key];
    else input[key] = value;
  };
  input.name = form.name.trim();
  set('id', id);
  set('alias', text(form.alias));
  set('host', text(form.host));
  set('port', port === '' ? undefined : Number(port));
  set('user', text(form.user));
  const jump = form.jump
    .split(',')
    .map((j) => j.trim())
    .filter(Boolean);
  set('jump', jump.length === 0 ? undefined : jump);
  set('group', text(form.group));
  set('command', text(form.command));
  set('agentDir', text(form.agentDir));
  set('forwardAgent', form.forwardAgent ? true : undefined);
  set('forwards', forwards.value.length === 0 ? undefined : forwards.value);
  set('color', text(form.color)?.toLowerCase());
  set('colorScheme', text(form.colorScheme));
  if (form.auth === 'default') set('auth', undefined);
  else if (form.auth === 'agent') set('auth', { method: 'agent' });
  else if (form.auth === 'key') set('auth', { method: 'key', keyFile: form.keyFile.trim() });
  else
    set(
      'auth',
      form.password ? { method: 'password', password: form.password } : { method: 'password' },
    );
  return { ok: true, input };
}

/** A saved profile as input again (undo of a delete, a duplicate): a kept password is not. */
export function viewToInput(view: ProfileView): ProfileInput {
  const { id: _id, auth, ...rest } = view;
  const input: ProfileInput = { ...rest };
  if (auth?.method === 'password') input.auth = { method: 'password' };
  else if (auth !== undefined) input.auth = auth;
  return input;
}
