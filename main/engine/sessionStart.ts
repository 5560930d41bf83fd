// Starting a session on the server: `holdfast-agent new`, made idempotent by a request
// token, with the user's command handed to their login shell byte for byte.

import { randomBytes } from 'node:crypto';
import { encodeFrame } from './protocol/frames';
import type { ResumeState } from './protocol/resume';
import { agentScript, notRunReason, remoteExec, shqLine } from './remoteExec';
import type { RemoteAgent } from './sessionTab';
import type { RemoteClient as Client } from './transport/remoteClient';
import type { OpenTabRequest } from './types';

/**
 * Random bytes in the token that makes `new` idempotent (`--request`, 2 hex digits each):
 * 16 bytes never collide between tabs. Not a secret: the state directory is the user's own.
 */
const REQUEST_TOKEN_BYTES = 16;

/** A token for one tab's `new`, the same on every retry of it. */
export function newRequestToken(): string {
  return randomBytes(REQUEST_TOKEN_BYTES).toString('hex');
}

export type StartResult =
  { ok: true; value: string } | { ok: false; error: { kind: string; message: string } };

/**
 * How long (s) a new session keeps all its output for the tab that started it to attach:
 * the attach follows `new` by a round trip or two; a tab that never comes (its app died)
 * leaves a session that runs on as usual after this.
 */
const HOLD_UNTIL_ATTACH_S = 120;

/**
 * Starts a session, or finds the one an earlier attempt with the same `request` token
 * started (`new --request`); `env` (SendEnv/SetEnv) rides on the exec channel, as ssh
 * sends it.
 */
/**
 * The words after the agent's path that start this tab's session (`new` and its options,
 * then the user's command for their login shell): a script fragment for /bin/sh, shared by
 * {@link startSession} and the probe that starts a session in its own round trip.
 */
export function newSessionTail(
  req: OpenTabRequest,
  request: string,
  /** ForwardAgent: the session gets its own agent socket (SSH_AUTH_SOCK); protocol 4. */
  forwardAgent = false,
): string {
  const args = [
    'new',
    '--request',
    request,
    '--cols',
    String(req.cols),
    '--rows',
    String(req.rows),
  ];
  if (req.name) args.push('--name', req.name);
  // No terminal: stdin/stdout/stderr as pipes, whose output is kept until it is read.
  // A terminal's is kept only with --hold: this tab attaches next, and until it does
  // nothing the command prints may be dropped.
  args.push(...(req.pipes ? ['--pipes'] : ['--hold', String(HOLD_UNTIL_ATTACH_S)]));
  if (req.cwd) args.push('--cwd', req.cwd);
  if (req.orphanGraceSeconds !== undefined)
    args.push('--orphan-grace', String(Math.max(1, Math.round(req.orphanGraceSeconds))));
  if (forwardAgent) args.push('--forward-agent');
  for (const [k, v] of Object.entries(req.env ?? {})) args.push('--env', `${k}=${v}`);
  // Like ssh: the command words are joined and run by the user's login shell, byte for
  // byte (they reach it through /bin/sh's quoting, never through the login shell's own).
  let tail = args.map(shqLine).join(' ');
  if (req.command && req.command.length > 0)
    tail += ` -- "$SHELL" -c ${shqLine(req.command.join(' '))}`;
  else if (req.exec && req.exec.length > 0) tail += ` -- ${req.exec.join(' ')}`;
  return tail;
}

/**
 * HELLO and ATTACH for a new session's first link, to go behind the probe's script (which
 * execs the bridge that reads them): the frames `resume` starts a link with, for a master
 * speaking `protocol` (the agent this client carries; the probe bridges only that one).
 * Nothing where the attach would wait for the agent's WELCOME (before protocol 2).
 */
export function openingFrames(
  resume: ResumeState,
  clientName: string,
  protocol: number,
): Buffer | undefined {
  if (protocol < 2 || resume.phase !== 'detached') return undefined;
  resume.expectVersion(protocol);
  const sent = resume.begin(clientName).flatMap((a) => (a.type === 'send' ? [a.frame] : []));
  return sent.length === 2 ? Buffer.concat(sent.map(encodeFrame)) : undefined;
}

/** A session id as `new` prints it; anything else is not one. */
export function isSessionId(s: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(s);
}

/**
 * Starts a session, or finds the one an earlier attempt with the same `request` token
 * started (`new --request`); `env` (SendEnv/SetEnv) rides on the exec channel, as ssh
 * sends it.
 */
export async function startSession(
  client: Client,
  agent: RemoteAgent,
  req: OpenTabRequest,
  env: Record<string, string>,
  request: string,
  forwardAgent = false,
): Promise<StartResult> {
  const script = `${agentScript(agent, [])} ${newSessionTail(req, request, forwardAgent)}`;
  const r = await remoteExec(client, script, { timeoutMs: 30_000, env });
  if (!r.ran)
    return {
      ok: false,
      error: { kind: 'agent', message: `The session could not be started: ${notRunReason(r)}` },
    };
  const id = r.stdout.trim();
  if (r.code !== 0 || !isSessionId(id)) {
    return {
      ok: false,
      error: {
        kind: 'agent',
        message: `The session could not be started: ${r.stderr.trim() || `exit ${r.code}`}`,
      },
    };
  }
  return { ok: true, value: id };
}
