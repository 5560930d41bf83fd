// What the user may type in quick connect: `[user@]host[:port]`, `[user@][v6addr]:port`,
// `ssh://[user@]host[:port]`, or a Host alias from ssh_config. Pure and shared: the
// renderer uses it to answer inline before anything is sent, and the host process checks
// the same text again before it dials.

import type { Destination } from './api';

export type QuickConnectResult =
  { ok: true; destination: Destination } | { ok: false; message: string };

const HOW = 'Type user@host, user@host:port, or a Host alias from your ssh config.';

/** Hostnames, IPv4 addresses and ssh_config aliases: no spaces, no leading "-" or ".". */
const HOST = /^[A-Za-z0-9_](?:[A-Za-z0-9._+-]*[A-Za-z0-9_])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;
/** Login names: printable, no spaces, not an option. */
const USER = /^[A-Za-z0-9._$\\][A-Za-z0-9._$\\@+-]*$/;

/** Parses quick-connect text into a destination, or says in words what is wrong with it. */
export function parseQuickConnect(input: string): QuickConnectResult {
  const text = input.trim();
  const fail = (why: string): QuickConnectResult => ({
    ok: false,
    message: `"${text}" is not a destination: ${why}. ${HOW}`,
  });
  if (text === '') return { ok: false, message: `Nothing to connect to. ${HOW}` };
  if (text.length > 1024)
    return { ok: false, message: `That is too long for a destination. ${HOW}` };
  if (/\s/.test(text)) return fail('it contains a space');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return fail('it contains a control character');

  let rest = text;
  if (/^ssh:\/\//i.test(rest)) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest))
    return fail('only ssh:// addresses are understood');
  if (rest.startsWith('-')) return fail('it starts with "-"');

  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') return fail('the user name before "@" is empty');
    if (!USER.test(user)) return fail(`"${user}" is not a user name`);
  }
  if (rest === '') return fail('the host after "@" is missing');

  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return fail('"[" has no matching "]"');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return fail(`unexpected "${after}" after "]"`);
      portText = after.slice(1);
    }
    if (!IPV6.test(host) || !host.includes(':')) return fail(`"${host}" is not an IPv6 address`);
  } else {
    const colons = rest.split(':').length - 1;
    if (colons === 1) {
      [host, portText] = rest.split(':') as [string, string];
    } else if (colons > 1) {
      if (!IPV6.test(rest)) return fail('it has more than one ":"');
      host = rest; // a bare IPv6 address cannot carry a port
    } else {
      host = rest;
    }
    if (colons <= 1 && !HOST.test(host)) {
      return fail(host === '' ? 'the host is missing' : `"${host}" is not a host name`);
    }
  }

  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return fail(`the port "${portText}" is not a number from 1 to 65535`);
    }
    port = Number(portText);
  }

  const destination: Destination = { destination: host };
  if (user !== undefined) destination.user = user;
  if (port !== undefined) destination.port = port;
  return { ok: true, destination };
}

/** How a destination reads back to the user: `user@host:port`. */
export function formatDestination(d: Destination): string {
  const host = d.destination.includes(':') ? `[${d.destination}]` : d.destination;
  return `${d.user ? `${d.user}@` : ''}${host}${d.port ? `:${d.port}` : ''}`;
}
