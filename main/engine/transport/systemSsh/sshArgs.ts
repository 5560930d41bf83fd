// The command lines of the system ssh, pure. One master per connection carries the SSH
// session (`ssh -M -N`, its own control socket); each exec is a cheap multiplexed client
// of that master (`ssh -S socket`), so a command's bytes never meet another program.
//
// The master gets the user's own command line (-F, -o, -p, -l, -i, -J, the destination)
// so ssh resolves the config exactly as `ssh host` would; our options go first, and as
// ssh keeps the first value of an option, they win where they must.

import type { CommandLine } from '../../ssh/config';

/** Holdfast's own options, never passed on to ssh (it would refuse them). */
const OURS_ONLY = /^\s*holdfast(transport|predict)\b/i;

/** ControlPath expands %-tokens: a literal path has each % doubled. */
function literalPath(p: string): string {
  return p.replace(/%/g, '%%');
}

export type MasterArgsInput = {
  commandLine: CommandLine;
  /** The control socket, in a private 0700 directory. */
  controlPath: string;
  /** ServerAliveInterval in whole seconds (ssh has no finer unit) and ServerAliveCountMax. */
  keepalive: { intervalSeconds: number; countMax: number };
  connectTimeoutSeconds: number;
  /** `-F` to use when the command line has none (the engine resolved another home). */
  defaultConfigFile?: string;
};

/**
 * `ssh` arguments for a master: authenticated, then waiting for clients on the control
 * socket, nothing else (no session, no forwarding, no prompt on a terminal).
 */
export function masterArgs(i: MasterArgsInput): string[] {
  const forced = [
    'ControlMaster=yes',
    `ControlPath=${literalPath(i.controlPath)}`,
    'ControlPersist=no',
    `ServerAliveInterval=${i.keepalive.intervalSeconds}`,
    `ServerAliveCountMax=${i.keepalive.countMax}`,
    `ConnectTimeout=${i.connectTimeoutSeconds}`,
    // Overlapping dials run several masters: forwards from the config would fight over
    // their ports, and a failed one would end a master with ExitOnForwardFailure.
    'ClearAllForwardings=yes',
    'ExitOnForwardFailure=no',
    // Holdfast forwards the agent itself (-A: the session's own socket, which outlives
    // this connection); ssh's forwarding would hand execs a socket that dies with it.
    'ForwardAgent=no',
    'ForkAfterAuthentication=no',
    'SessionType=none',
    'RequestTTY=no',
    'RemoteCommand=none',
    'PermitLocalCommand=no',
    'StdinNull=yes',
    'EscapeChar=none',
    // The master forwards each exec's environment as the exec asked (the exec's own
    // SendEnv picks the names); OpenSSH filters it again with the master's list.
    'SendEnv=*',
    // Keepalive replies and the handshake steps are debug3 lines: our proof of life.
    'LogLevel=DEBUG3',
  ];
  const c = i.commandLine;
  const configFile =
    c.configFile === undefined
      ? i.defaultConfigFile
      : c.configFile.toLowerCase() === 'none'
        ? '/dev/null'
        : c.configFile;
  const args = forced.flatMap((o) => ['-o', o]);
  if (configFile !== undefined) args.push('-F', configFile);
  for (const o of c.options ?? []) if (!OURS_ONLY.test(o)) args.push('-o', o);
  if (c.port !== undefined) args.push('-p', String(c.port));
  if (c.user !== undefined) args.push('-l', c.user);
  for (const f of c.identityFiles ?? []) args.push('-i', f);
  if (c.jump !== undefined) args.push('-J', c.jump);
  // No -M: after ControlMaster=yes it would turn into "ask" (confirm every client).
  args.push('-N', '--', c.destination);
  return args;
}

/** An environment variable name the remote side may receive (no glob characters). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `ssh` arguments for one command on a master. No config file: the master has it all.
 * Should the master be gone, ssh would dial the host itself; the ProxyCommand `false`
 * makes that attempt fail at once instead (it runs under /bin/sh, see muxEnvironment).
 */
export function muxArgs(
  controlPath: string,
  command: string | undefined,
  opts: { envNames?: readonly string[]; tty?: boolean } = {},
): string[] {
  const names = (opts.envNames ?? []).filter((n) => ENV_NAME.test(n));
  return [
    '-F',
    '/dev/null',
    '-S',
    controlPath,
    '-o',
    'ControlMaster=no',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ProxyCommand=false',
    '-o',
    'EscapeChar=none',
    ...(names.length > 0 ? ['-o', `SendEnv=${names.join(' ')}`] : []),
    opts.tty === true ? '-tt' : '-T',
    '--',
    'holdfast-mux',
    ...(command === undefined ? [] : [command]),
  ];
}

/**
 * A multiplexing client that asks the master for a `direct-tcpip` channel to host:port and
 * relays it on its stdio (`ssh -W`): one process per forwarded connection.
 */
export function muxForwardArgs(controlPath: string, host: string, port: number): string[] {
  const base = muxArgs(controlPath, undefined);
  const at = base.indexOf('-T');
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return [...base.slice(0, at), '-W', target, ...base.slice(at + 1)];
}

/** A control command (`-O forward`, `-O cancel`) to the master: the options without -T. */
export function muxControlArgs(controlPath: string): string[] {
  const base = muxArgs(controlPath, undefined);
  return base.slice(0, base.indexOf('-T'));
}
