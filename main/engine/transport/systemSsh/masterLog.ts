// What the system ssh master says on stderr (LogLevel DEBUG3), read line by line, pure:
// proof of life, the steps of a dial, and — when it exits — why, sorted into the same
// DialError kinds an ssh2 dial gives (ssh/errors.ts), with ssh's own words kept.

import type { DialError } from '../../ssh/errors';

export type MasterLine =
  /** A packet from the server (keepalive replies included): the link is alive. */
  | { kind: 'traffic' }
  /** TCP (or the ProxyCommand) is up and SSH has begun: the dial is near its end. */
  | { kind: 'handshake' }
  /** Logged in, control socket listening. */
  | { kind: 'ready' }
  /** A line meant for people: warnings, errors, "Authenticated to ...". */
  | { kind: 'message'; text: string }
  | { kind: 'noise' };

export function readMasterLine(line: string): MasterLine {
  if (/^debug3: receive packet: type \d+/.test(line)) return { kind: 'traffic' };
  if (/^debug1: (Connection established\.|Remote protocol version)/.test(line))
    return { kind: 'handshake' };
  if (/^debug1: Entering interactive session\./.test(line)) return { kind: 'ready' };
  // Debug lines, and the indented channel lists ssh prints with them.
  if (/^debug\d: /.test(line) || /^\s/.test(line) || line.trim() === '') return { kind: 'noise' };
  if (/^The following connections are open:/.test(line)) return { kind: 'noise' };
  return { kind: 'message', text: line.trim() };
}

export type MasterTarget = { user: string; host: string; port: number };

/** ssh's own lines, minus the banner of a changed key, for the end of a message. */
function quote(lines: readonly string[]): string {
  const said = lines.filter((l) => !/^@+$|^@ .* @$/.test(l) && !/^Authenticated to /.test(l));
  return said.slice(-4).join(' ');
}

/** Why a master that has not become ready exited: the kind, the way out, ssh's words. */
export function masterFailure(lines: readonly string[], t: MasterTarget): DialError {
  const text = lines.join('\n');
  const ssh = quote(lines);
  const where = `${t.host} port ${t.port}`;
  const base = { host: t.host, port: t.port };
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(text)) {
    const fp = /(SHA256:[A-Za-z0-9+/=]+)/.exec(text)?.[1] ?? 'unknown';
    const type = /The fingerprint for the (\S+) key/.exec(text)?.[1] ?? 'unknown';
    return {
      kind: 'host-key-changed',
      retryable: false,
      ...base,
      keyType: type,
      fingerprint: fp,
      expected: [],
      message: `The host key of ${where} has CHANGED (${type} ${fp}): this may be an attack. If the server was reinstalled, remove its old line from known_hosts (ssh-keygen -R). OpenSSH said: ${ssh}`,
    };
  }
  const strict = /No (\S+) host key is known for (\S+) and you have requested strict checking/.exec(
    text,
  );
  if (strict || /Host key verification failed/.test(text)) {
    return {
      kind: 'host-key-unknown-refused',
      retryable: false,
      ...base,
      keyType: strict?.[1] ?? 'unknown',
      fingerprint: 'unknown',
      reason: strict ? 'strict' : 'declined',
      message: `OpenSSH could not verify the host key of ${where}: ${ssh} Check known_hosts (a host certificate needs an @cert-authority line naming the CA that signed it).`,
    };
  }
  const denied = /Permission denied \(([^)]*)\)/.exec(text);
  if (denied) {
    return {
      kind: 'auth',
      retryable: false,
      user: t.user,
      host: t.host,
      attempts: [],
      message: `${t.user}@${t.host} did not accept any of the credentials OpenSSH offered (${denied[1]}). Check the certificate (ssh-keygen -L -f FILE: principals, validity) and the key with: ssh -v ${t.user}@${t.host}. OpenSSH said: ${ssh}`,
    };
  }
  const resolve = /Could not resolve hostname (\S+?):/.exec(text);
  if (resolve)
    return {
      kind: 'resolve',
      retryable: true,
      host: t.host,
      message: `Could not find ${resolve[1]} (DNS): ${ssh}`,
    };
  if (/Connection refused/.test(text))
    return {
      kind: 'refused',
      retryable: true,
      ...base,
      message: `${where} refused the connection: is sshd running there? OpenSSH said: ${ssh}`,
    };
  if (/timed out/i.test(text))
    return {
      kind: 'timeout',
      retryable: true,
      ...base,
      phase: 'connect',
      message: `${where} did not answer in time. OpenSSH said: ${ssh}`,
    };
  const unreachable = /(Network is unreachable|No route to host)/.exec(text);
  if (unreachable)
    return {
      kind: 'network',
      retryable: true,
      ...base,
      code: unreachable[1] === 'No route to host' ? 'EHOSTUNREACH' : 'ENETUNREACH',
      message: `${where} cannot be reached from this network. OpenSSH said: ${ssh}`,
    };
  if (/Bad configuration option|bad configuration options|line \d+: /.test(text))
    return {
      kind: 'config',
      retryable: false,
      message: `OpenSSH refused the configuration: ${ssh}`,
    };
  return {
    kind: 'network',
    retryable: true,
    ...base,
    message: `OpenSSH could not connect to ${where}: ${ssh || 'it exited without saying why'}`,
  };
}
