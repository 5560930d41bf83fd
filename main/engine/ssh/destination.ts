/**
 * Where the user wants to go, as typed: `host`, `user@host`, `ssh://[user@]host[:port]`,
 * and for ProxyJump hops also `[user@]host[:port]` (with `[v6addr]:port`), as OpenSSH
 * reads them. Pure: no lookups, no config.
 */
import { fail, ok, type Result } from './result';

/** A parsed destination; `user` and `port` only when the text named them. */
export interface Destination {
  user?: string;
  host: string;
  port?: number;
}

/** Characters OpenSSH refuses in a host or user name (they would reach a shell via %h/%r). */
const UNSAFE_CHARS = /[\s'`"$\\;&<>|(){}]/;

function unsafeName(name: string): boolean {
  return (
    UNSAFE_CHARS.test(name) ||
    [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  );
}

function checkHost(host: string, input: string): Result<string, string> {
  if (host === '') return fail(`'${input}' names no host.`);
  if (host.startsWith('-')) return fail(`Host name '${host}' may not start with '-'.`);
  if (unsafeName(host))
    return fail(`Host name '${host}' contains characters a host name cannot have.`);
  return ok(host);
}

function checkUser(user: string, input: string): Result<string, string> {
  if (user === '') return fail(`'${input}' has an empty user name before '@'.`);
  if (user.startsWith('-')) return fail(`User name '${user}' may not start with '-'.`);
  if (unsafeName(user))
    return fail(`User name '${user}' contains characters a user name cannot have.`);
  return ok(user);
}

function parsePort(text: string, input: string): Result<number, string> {
  if (!/^\d{1,5}$/.test(text))
    return fail(`'${input}' has a bad port '${text}': use a number from 1 to 65535.`);
  const port = Number(text);
  if (port < 1 || port > 65535)
    return fail(`'${input}' has a bad port '${text}': use a number from 1 to 65535.`);
  return ok(port);
}

/** `host`, `[v6]`, `host:port`, `[v6]:port` → host and optional port. */
function splitHostPort(
  text: string,
  input: string,
): Result<{ host: string; port?: number }, string> {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return fail(`'${input}' has an unclosed '['.`);
    const host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest === '') return ok({ host });
    if (!rest.startsWith(':')) return fail(`'${input}' has text after ']' that is not ':port'.`);
    const port = parsePort(rest.slice(1), input);
    return port.ok ? ok({ host, port: port.value }) : port;
  }
  const colon = text.lastIndexOf(':');
  // More than one colon and no brackets: a bare IPv6 address, no port.
  if (colon < 0 || text.indexOf(':') !== colon) return ok({ host: text });
  const port = parsePort(text.slice(colon + 1), input);
  return port.ok ? ok({ host: text.slice(0, colon), port: port.value }) : port;
}

function decode(text: string, input: string): Result<string, string> {
  try {
    return ok(decodeURIComponent(text));
  } catch {
    return fail(`'${input}' has a bad %-escape.`);
  }
}

/** `ssh://[user@]host[:port][/]` (RFC draft-ietf-secsh-scp-sftp-ssh-uri), as OpenSSH takes it. */
function parseUri(input: string): Result<Destination, string> {
  let rest = input.slice('ssh://'.length);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest.includes('/'))
    return fail(`'${input}' has a path; an ssh:// destination is only ssh://[user@]host[:port].`);
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const rawUser = rest.slice(0, at);
    // Connection parameters (user;fingerprint=...) are not supported, as in OpenSSH.
    if (rawUser.includes(';'))
      return fail(`'${input}' has connection parameters after ';', which are not supported.`);
    const decoded = decode(rawUser, input);
    if (!decoded.ok) return decoded;
    const checked = checkUser(decoded.value, input);
    if (!checked.ok) return checked;
    user = checked.value;
    rest = rest.slice(at + 1);
  }
  const hp = splitHostPort(rest, input);
  if (!hp.ok) return hp;
  const host = decode(hp.value.host, input);
  if (!host.ok) return host;
  const checked = checkHost(host.value, input);
  if (!checked.ok) return checked;
  return ok({
    ...(user === undefined ? {} : { user }),
    host: checked.value,
    ...(hp.value.port === undefined ? {} : { port: hp.value.port }),
  });
}

/**
 * Parses the destination argument: `host`, `user@host` (the last `@` splits), or an
 * `ssh://[user@]host[:port]` URI. Like OpenSSH, `host:port` is not a destination; it is
 * refused with a hint instead of failing later as an unknown host name.
 */
export function parseDestination(input: string): Result<Destination, string> {
  const text = input.trim();
  if (/^ssh:\/\//i.test(text)) return parseUri(text);
  let user: string | undefined;
  let host = text;
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const checked = checkUser(text.slice(0, at), input);
    if (!checked.ok) return checked;
    user = checked.value;
    host = text.slice(at + 1);
  }
  const colon = host.indexOf(':');
  if (colon >= 0 && colon === host.lastIndexOf(':') && /^\d+$/.test(host.slice(colon + 1))) {
    const name = host.slice(0, colon);
    const port = host.slice(colon + 1);
    const who = user === undefined ? '' : `${user}@`;
    return fail(
      `'${input}' is not a destination ssh accepts (host:port): use -p ${port} ${who}${name}, or ssh://${who}${name}:${port}.`,
    );
  }
  const checked = checkHost(host, input);
  if (!checked.ok) return checked;
  return ok({ ...(user === undefined ? {} : { user }), host: checked.value });
}

/** Parses one ProxyJump hop: `[user@]host[:port]`, `[user@][v6]:port`, or an ssh:// URI. */
export function parseJumpHop(input: string): Result<Destination, string> {
  const text = input.trim();
  if (/^ssh:\/\//i.test(text)) return parseUri(text);
  let user: string | undefined;
  let rest = text;
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const checked = checkUser(text.slice(0, at), input);
    if (!checked.ok) return checked;
    user = checked.value;
    rest = text.slice(at + 1);
  }
  const hp = splitHostPort(rest, input);
  if (!hp.ok) return hp;
  const host = checkHost(hp.value.host, input);
  if (!host.ok) return host;
  return ok({
    ...(user === undefined ? {} : { user }),
    host: host.value,
    ...(hp.value.port === undefined ? {} : { port: hp.value.port }),
  });
}

/** Formats a destination as a ProxyJump hop: `user@host:port`, brackets around IPv6. */
export function formatJumpHop(dest: Destination): string {
  const host = dest.host.includes(':') ? `[${dest.host}]` : dest.host;
  return `${dest.user === undefined ? '' : `${dest.user}@`}${host}${dest.port === undefined ? '' : `:${dest.port}`}`;
}
