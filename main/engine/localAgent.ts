// The local end of agent forwarding: one forwarded ssh-agent request, asked of the agent on
// this machine (the socket ForwardAgent names: IdentityAgent or SSH_AUTH_SOCK), its answer
// handed back whole. A connection per request: the master may send a request again over a
// new link after a reconnect, so nothing may hang on a connection that belonged to the old.

import net from 'node:net';
import { AGENT_MAX_MSG } from './protocol/frames';

/** The agent protocol's generic failure answer (SSH_AGENT_FAILURE, a one-byte body). */
export const AGENT_FAILURE = Buffer.from([5]);

/** How long the local agent may take to answer (ms). Longer than the server's 30 s wait
 * (HF_AGENT_WAIT_MS), which fails the request first; this only frees the socket of an
 * agent that never answers (one asking its user to confirm a key use may take a while). */
export const LOCAL_AGENT_TIMEOUT_MS = 60_000;

export type AgentAnswer = { ok: true; reply: Buffer } | { ok: false; reason: string };

/** Sends one request body to the agent at `socket` and reads one answer body. */
export function askLocalAgent(
  socket: string | undefined,
  request: Buffer,
  timeoutMs = LOCAL_AGENT_TIMEOUT_MS,
): Promise<AgentAnswer> {
  if (socket === undefined) {
    return Promise.resolve({
      ok: false,
      reason:
        'no local ssh-agent to forward (SSH_AUTH_SOCK is not set); start one, or set IdentityAgent',
    });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    let done = false;
    const finish = (a: AgentAnswer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      conn.destroy();
      resolve(a);
    };
    const conn = net.createConnection(socket);
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          reason: `the local agent at ${socket} did not answer within ${timeoutMs / 1000} s`,
        }),
      timeoutMs,
    );
    conn.on('connect', () => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(request.length, 0);
      conn.write(Buffer.concat([head, request]));
    });
    conn.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (all.length < 4) return;
      const len = all.readUInt32BE(0);
      if (len === 0 || len > AGENT_MAX_MSG) {
        finish({
          ok: false,
          reason: `the local agent at ${socket} answered a ${len}-byte message (at most ${AGENT_MAX_MSG} are relayed)`,
        });
      } else if (got >= 4 + len) {
        finish({ ok: true, reply: Buffer.from(all.subarray(4, 4 + len)) });
      }
    });
    conn.on('error', (e: Error) =>
      finish({ ok: false, reason: `cannot reach the local agent at ${socket}: ${e.message}` }),
    );
    conn.on('close', () =>
      finish({
        ok: false,
        reason: `the local agent at ${socket} closed the connection without an answer`,
      }),
    );
  });
}
