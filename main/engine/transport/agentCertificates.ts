// Certificates held by the ssh-agent: `step ssh login`, Vault and Teleport put short-lived
// user certificates there and nowhere on disk. ssh offers them; ssh2 cannot, so a host
// whose login would use one goes to the system ssh (chooseTransport.ts).
//
// The agent protocol (draft-miller-ssh-agent §4.4), enough to list identities:
//   request:  uint32 length = 1, byte SSH_AGENTC_REQUEST_IDENTITIES (11)
//   answer:   uint32 length, byte SSH_AGENT_IDENTITIES_ANSWER (12), uint32 nkeys,
//             nkeys × (string key blob, string comment); a blob begins with string type.

import net from 'node:net';
import { blobKeyType, WireReader } from './wireReader';

const REQUEST_IDENTITIES = 11;
const IDENTITIES_ANSWER = 12;
/** An agent answers at once; a stuck one must not hold up the dial (ms). */
const AGENT_TIMEOUT_MS = 1_000;
/** An agent's answer larger than this is not an agent we can use (256 KiB). */
const MAX_ANSWER_BYTES = 256 * 1024;

/** The certificates in one identities answer (comment, else type), from the frame body. */
export function certificatesInAnswer(body: Buffer): string[] {
  if (body[0] !== IDENTITIES_ANSWER) return [];
  const r = new WireReader(body, 1);
  const n = r.uint32() ?? 0;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const blob = r.string();
    const comment = r.string();
    if (blob === undefined || comment === undefined) break;
    const type = blobKeyType(blob) ?? '';
    if (type.endsWith('-cert-v01@openssh.com')) out.push(comment.toString('utf8') || type);
  }
  return out;
}

/** The certificates the agent at `socketPath` holds; [] when there is none or no agent. */
export function agentCertificates(socketPath: string): Promise<string[]> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const sock = net.connect(socketPath);
    const done = (v: string[]) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done([]), AGENT_TIMEOUT_MS);
    sock.on('error', () => done([]));
    sock.on('connect', () => sock.write(Buffer.from([0, 0, 0, 1, REQUEST_IDENTITIES])));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      const all = Buffer.concat(chunks);
      if (all.length < 4) return;
      const len = all.readUInt32BE(0);
      if (len > MAX_ANSWER_BYTES) return done([]);
      if (all.length >= 4 + len) done(certificatesInAnswer(all.subarray(4, 4 + len)));
      else if (size > MAX_ANSWER_BYTES) done([]);
    });
  });
}
