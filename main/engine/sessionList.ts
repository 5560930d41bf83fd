/**
 * The agent's `ls --json`, checked at the trust boundary: the agent is a peer, and what it
 * prints is validated once here. Older agents print only the first seven fields; newer ones
 * add the live ones (remote-agent/PROTOCOL.md, INFO_REPLY), and fields this engine does not
 * know yet are ignored, so either side may be upgraded first.
 */
import { z } from 'zod';
import { isCarriedSession } from './forward/carriedSession';
import type { SessionInfo } from './types';

const count = z.number().int().nonnegative();

const AgentSession = z.object({
  id: z.string(),
  name: z.string(),
  command: z.string(),
  pid: count,
  created: z.string(),
  attached: count,
  state: z.string(),
  child_pid: count.optional(),
  fg_pid: count.optional(),
  fg_command: z.string().optional(),
  cwd: z.string().optional(),
  last_line: z.string().optional(),
  idle_ms: count.optional(),
  age_ms: count.optional(),
  pipes: z.boolean().optional(),
});
type AgentSession = z.infer<typeof AgentSession>;

const AgentSessionList = z.array(AgentSession);

export type SessionListResult = { ok: true; value: SessionInfo[] } | { ok: false; message: string };

/** `exited N` → N; anything else (running) → undefined. */
function exitStatusOf(state: string): number | undefined {
  const m = /^exited (-?\d+)$/.exec(state);
  return m ? Number(m[1]) : undefined;
}

function sessionOf(s: AgentSession): SessionInfo {
  const exitStatus = exitStatusOf(s.state);
  const foreground =
    s.fg_pid === undefined
      ? {}
      : {
          foregroundPid: s.fg_pid,
          // the command itself (usually the shell) in the foreground: nothing else runs
          ...(s.child_pid !== undefined ? { jobRunning: s.fg_pid !== s.child_pid } : {}),
        };
  return {
    id: s.id,
    name: s.name,
    command: s.command,
    pid: s.pid,
    created: s.created,
    attached: s.attached,
    state: s.state,
    ...foreground,
    ...(s.fg_command !== undefined ? { foregroundCommand: s.fg_command } : {}),
    ...(s.cwd !== undefined ? { cwd: s.cwd } : {}),
    ...(s.last_line !== undefined ? { lastLine: s.last_line } : {}),
    ...(s.idle_ms !== undefined ? { idleMs: s.idle_ms } : {}),
    ...(s.age_ms !== undefined ? { ageMs: s.age_ms } : {}),
    ...(exitStatus !== undefined ? { exitStatus } : {}),
    ...(s.pipes ? { pipes: true } : {}),
    ...(isCarriedSession(s) ? { forwarded: true } : {}),
  };
}

/** Parses and checks `ls --json`; a bad reply is the agent's fault and says what was wrong. */
export function parseSessionList(stdout: string): SessionListResult {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    return {
      ok: false,
      message: `the agent printed a session list that is not JSON: ${preview(stdout)}`,
    };
  }
  const r = AgentSessionList.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue ? issue.path.join('.') || 'the list' : 'the list';
    return {
      ok: false,
      message: `the agent printed a session list Holdfast cannot read (${where}: ${issue?.message ?? 'invalid'}); redeploying the agent (reconnect) usually fixes this`,
    };
  }
  return { ok: true, value: r.data.map(sessionOf) };
}

const PREVIEW_CHARS = 80; // enough of a bad reply to recognise it (a banner, an error)

function preview(s: string): string {
  const t = s.trim();
  if (!t) return 'it printed nothing';
  return JSON.stringify(t.length > PREVIEW_CHARS ? `${t.slice(0, PREVIEW_CHARS)}…` : t);
}
