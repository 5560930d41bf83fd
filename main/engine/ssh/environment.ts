// What a new session's environment takes from this machine: SendEnv and SetEnv
// (ssh_config(5)), sent as the SSH `env` requests of the channel that starts the session,
// so the server's AcceptEnv decides what it accepts, exactly as with ssh.

import type { ResolvedHost } from './config';
import { matchPattern } from './patterns';

/** The variables to send: local ones named by SendEnv (case-sensitive globs), then SetEnv. */
export function sessionEnvironment(
  host: Pick<ResolvedHost, 'sendEnv' | 'setEnv'>,
  local: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(local)) {
    if (value !== undefined && host.sendEnv.some((p) => matchPattern(name, p, false)))
      env[name] = value;
  }
  // SetEnv is sent after SendEnv, so on the server it is the one that stays.
  return { ...env, ...host.setEnv };
}
