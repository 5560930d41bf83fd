/**
 * A real OpenSSH `ssh-agent` for tests: its own socket in the caller's directory, keys
 * added with `ssh-add` (an encrypted one through a forced askpass whose secret comes from
 * the environment, never a file), ended by its pid.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { delay, run, runChecked } from './proc.js';

/** A key to load: its private file, and its passphrase if it is encrypted. */
export interface AgentKeyFile {
  file: string;
  passphrase?: string;
}

/** A running ssh-agent. */
export interface SshAgent {
  /** The socket, for SSH_AUTH_SOCK or IdentityAgent. */
  readonly sock: string;
  /** Ends the agent (by pid). */
  stop(): void;
}

/** How long ssh-agent may take to listen: it is up in milliseconds, 5 s is a broken one. */
const AGENT_START_TIMEOUT_MS = 5000;
const AGENT_POLL_MS = 50;

/** Starts `ssh-agent -D` on `dir`/agent.sock and adds `keys`, in order. */
export async function startSshAgent(dir: string, keys: readonly AgentKeyFile[]): Promise<SshAgent> {
  const sock = path.join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  const stop = (): void => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
  };
  const askpass = path.join(dir, 'agent-askpass.sh');
  await writeFile(askpass, '#!/bin/sh\nprintf \'%s\\n\' "$HFT_ASKPASS_SECRET"\n', { mode: 0o700 });
  const env = { SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' };
  try {
    for (let waited = 0; ; waited += AGENT_POLL_MS) {
      // ssh-add -l: 0 keys listed, 1 no keys yet (both: it is up), 2 cannot connect.
      const r = await run('ssh-add', ['-l'], { env });
      if (r.code === 0 || r.code === 1) break;
      if (waited > AGENT_START_TIMEOUT_MS) throw new Error(`ssh-agent did not start: ${r.stderr}`);
      await delay(AGENT_POLL_MS);
    }
    for (const k of keys)
      await runChecked('ssh-add', [k.file], {
        env: { ...env, HFT_ASKPASS_SECRET: k.passphrase ?? '' },
      });
  } catch (err) {
    stop();
    throw err;
  }
  return { sock, stop };
}
