// Port-forward specifications as ssh(1) writes them, parsed into values (pure).
//
//   -L [bind_address:]port:host:hostport      LocalForward  [bind_address:]port host:hostport
//   -L [bind_address:]port:remote_socket      (a path has a '/')
//   -L local_socket:host:hostport | local_socket:remote_socket
//   -R [bind_address:]port:host:hostport      RemoteForward [bind_address:]port host:hostport
//   -R [bind_address:]port:local_socket
//   -D [bind_address:]port                    DynamicForward [bind_address:]port
//
// An IPv6 address is written in brackets (`[::1]:8080:...`). Fields split at ':' outside
// brackets, as in OpenSSH's parse_forward(). A port is a number here (ssh also takes
// service names from /etc/services; a name gets an error saying so).

/** One end of a forward: a TCP address (host undefined: not given) or a Unix socket. */
export type Endpoint =
  { kind: 'tcp'; host: string | undefined; port: number } | { kind: 'unix'; path: string };

export type ForwardKind = 'local' | 'remote' | 'dynamic';

export type ForwardSpec =
  | { kind: 'local'; listen: Endpoint; target: Endpoint }
  | { kind: 'remote'; listen: Extract<Endpoint, { kind: 'tcp' }>; target: Endpoint }
  | { kind: 'dynamic'; listen: Endpoint };

export type SpecResult = { ok: true; value: ForwardSpec } | { ok: false; message: string };

const FLAG: Record<ForwardKind, string> = { local: '-L', remote: '-R', dynamic: '-D' };
const FORM: Record<ForwardKind, string> = {
  local: '[bind_address:]port:host:hostport (e.g. 5432:localhost:5432)',
  remote: '[bind_address:]port:host:hostport (e.g. 8080:localhost:3000)',
  dynamic: '[bind_address:]port (e.g. 1080)',
};

/** Splits at ':' outside brackets; brackets are taken off. undefined if unbalanced. */
function fields(spec: string): { text: string; bracketed: boolean }[] | undefined {
  const out: { text: string; bracketed: boolean }[] = [];
  let cur = '';
  let bracketed = false;
  let inBracket = false;
  for (const ch of spec) {
    if (inBracket) {
      if (ch === ']') inBracket = false;
      else cur += ch;
    } else if (ch === '[' && cur === '') {
      inBracket = true;
      bracketed = true;
    } else if (ch === ':') {
      out.push({ text: cur, bracketed });
      cur = '';
      bracketed = false;
    } else cur += ch;
  }
  if (inBracket) return undefined;
  out.push({ text: cur, bracketed });
  return out;
}

const isPath = (f: { text: string; bracketed: boolean }) => !f.bracketed && f.text.includes('/');

function portOf(text: string, allowZero: boolean): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 65535 || (n === 0 && !allowZero) ? undefined : n;
}

/** Parses one forward of `kind`, as given after -L/-R/-D or joined from a config line. */
export function parseForward(kind: ForwardKind, spec: string, name = FLAG[kind]): SpecResult {
  const bad = (why: string): SpecResult => ({
    ok: false,
    message: `Bad ${name} forwarding '${spec}': ${why}. Write ${FORM[kind]}.`,
  });
  const f = fields(spec.trim());
  if (!f || f.some((x) => x.text === '' && !x.bracketed && f.indexOf(x) > 0))
    return bad(f ? 'a field is empty' : 'a "[" has no closing "]"');
  // -R and -D take port 0 on the listening side only where a server picks the port.
  const listenPort = (text: string) => portOf(text, kind === 'remote');
  const portError = (text: string) =>
    /^\d+$/.test(text)
      ? `port ${text} is out of range (1-65535)`
      : `'${text}' is not a port number`;

  if (kind === 'dynamic') {
    if (f.length === 1 && isPath(f[0]!)) return ok({ kind, listen: unix(f[0]!.text) });
    if (f.length > 2) return bad('too many fields');
    const [host, port] = f.length === 2 ? [f[0]!.text, f[1]!.text] : [undefined, f[0]!.text];
    const p = listenPort(port);
    if (p === undefined) return bad(portError(port));
    return ok({ kind, listen: { kind: 'tcp', host, port: p } });
  }

  // listen side, then target side
  let listen: Endpoint;
  let rest: typeof f;
  if (isPath(f[0]!)) {
    listen = unix(f[0]!.text);
    rest = f.slice(1);
  } else {
    // [bind:]port: a bind address is present when what follows is a full target
    const withBind = f.length === 4 || (f.length === 3 && isPath(f[2]!));
    const host = withBind ? f[0]!.text : undefined;
    const portText = withBind ? f[1]!.text : f[0]!.text;
    const p = listenPort(portText);
    if (p === undefined) return bad(portError(portText));
    listen = { kind: 'tcp', host, port: p };
    rest = f.slice(withBind ? 2 : 1);
  }
  let target: Endpoint;
  if (rest.length === 1 && isPath(rest[0]!)) target = unix(rest[0]!.text);
  else if (rest.length === 2) {
    const tp = portOf(rest[1]!.text, false);
    if (tp === undefined) return bad(`target ${portError(rest[1]!.text)}`);
    if (rest[0]!.text === '') return bad('the target host is empty');
    target = { kind: 'tcp', host: rest[0]!.text, port: tp };
  } else if (rest.length === 0) {
    return kind === 'remote'
      ? bad('a remote SOCKS forward (-R with a port only) is not supported; name a target')
      : bad('the target host:hostport is missing');
  } else return bad('wrong number of fields');
  if (kind === 'remote') {
    if (listen.kind !== 'tcp') return bad('a remote Unix-socket listener is not supported');
    return ok({ kind, listen, target });
  }
  return ok({ kind, listen, target });
}

function unix(path: string): Endpoint {
  return { kind: 'unix', path };
}

function ok(value: ForwardSpec): SpecResult {
  return { ok: true, value };
}

function hostText(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}

export function endpointText(e: Endpoint): string {
  if (e.kind === 'unix') return e.path;
  return e.host === undefined ? String(e.port) : `${hostText(e.host)}:${e.port}`;
}

/** The spec written back as ssh takes it after -L/-R/-D (also a stable identity). */
export function forwardText(s: ForwardSpec): string {
  return s.kind === 'dynamic'
    ? endpointText(s.listen)
    : `${endpointText(s.listen)}:${endpointText(s.target)}`;
}

/** `-L 8080:db:5432`, for messages. */
export function forwardLabel(s: ForwardSpec): string {
  return `${FLAG[s.kind]} ${forwardText(s)}`;
}
