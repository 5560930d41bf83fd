// Proves a tab ends up on exactly one session when the link drops while the session is
// being created: after the server started it, before `new`'s reply (the session id) reached
// the engine. The engine's retry on the next connection runs `new` again with the same
// request token, and the agent hands back the session the first attempt started rather
// than leaving it behind as an orphan no tab shows.
//
// The window is hit on purpose, not by luck: this sshd runs every command through a
// ForceCommand wrapper (test-only, the server's side of the wire) that lets the first
// `new` run to completion (on its own, or inside the probe that starts the session, after
// an upload in the same exec or not), records the id it printed, and withholds that line
// until the test has reset the link through the fault proxy. A marker written by the session's
// command would not do: `new` prints the id as soon as the command is exec'd, so the reply
// is usually on its way before the command's first action.
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startFaultProxy } from '../support/faultProxy';
import { pollFor } from '../support/proc';
import { BOOTSTRAP, shq } from '../../main/engine/remoteExec';
import { startSshd, type Sshd } from '../support/sshd';

/** Directory in the test user's home where the wrapper leaves its traces. */
const HOLD_DIR = '.hft-setup-hold';

// Runs SSH_ORIGINAL_COMMAND as sshd would ($SHELL -c). The engine's commands arrive as
// its fixed bootstrap line with the script on stdin: the wrapper reads that line itself.
// A script that may start a session runs with its output passed on line by line (a probe
// that finds no agent asks for the upload half way, on the same stdin), but the first
// line reporting a started session (the id alone, or `new=0|ID`) is kept back: `created`
// gets it (the session exists), and it leaves only once the test creates `release` (or
// after 60 s). Every script that started one is appended to `new.log`, so the test sees
// what each attempt sent.
const WRAPPER = `#!/bin/sh
d="$HOME/${HOLD_DIR}"
mkdir -p "$d"
[ "$SSH_ORIGINAL_COMMAND" = ${shq(BOOTSTRAP)} ] || exec "$SHELL" -c "$SSH_ORIGINAL_COMMAND"
IFS= read -r s
case "$s" in
*"'new' '--request' "*)
  { /bin/sh -c "$s"; echo $? > "$d/rc.$$"; } | while IFS= read -r line || [ -n "$line" ]; do
    if printf '%s\\n' "$line" | grep -Eq '^(new=0[|])?[a-z2-7]{10}$'; then
      printf '%s\\n' "$s" >> "$d/new.log"
      if mkdir "$d/held" 2>/dev/null; then
        printf '%s\\n' "$line" > "$d/created.tmp" && mv "$d/created.tmp" "$d/created"
        i=0
        while [ ! -e "$d/release" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
      fi
    fi
    printf '%s\\n' "$line"
  done
  rc=$(cat "$d/rc.$$"); rm -f "$d/rc.$$"
  exit "$rc"
  ;;
esac
exec /bin/sh -c "$s"
`;

let sshd: Sshd;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-setup-'));
  await chmod(scratch, 0o755); // the test user (another uid) runs the wrapper
  const wrapper = path.join(scratch, 'force-command.sh');
  await writeFile(wrapper, WRAPPER, { mode: 0o755 });
  sshd = await startSshd({ label: 'setup-faults', extraConfig: [`ForceCommand ${wrapper}`] });
  // Without root the test user is you, and the home is yours: no traces of an earlier run.
  await rm(path.join(sshd.home, HOLD_DIR), { recursive: true, force: true });
});
afterAll(async () => {
  await sshd?.stop();
  if (sshd) await rm(path.join(sshd.home, HOLD_DIR), { recursive: true, force: true });
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('a link lost while the session is being created', () => {
  it('leaves the tab on the one session the server started, not on a second one', async () => {
    const hold = path.join(sshd.home, HOLD_DIR);
    // Names this test's sessions in the list (without root, the home may hold others).
    const nonce = `setup-fault-${randomBytes(4).toString('hex')}`;
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    // The engine dials the proxy: known_hosts names its address with the server's key.
    const key = sshd.knownHostsLine.split(' ').slice(1).join(' ');
    await appendFile(sshd.knownHostsFile, `[${sshd.host}]:${proxy.port} ${key}\n`);
    const dest = destinationOf(sshd, { port: proxy.port });
    const { engine, logs } = testEngine({ keepalive: { intervalMs: 500, countMax: 3 } });
    try {
      const tab = engine.openTab({
        ...dest,
        cols: 80,
        rows: 24,
        command: [`echo session-up-$((6*7)); stty -echo; exec cat # ${nonce}`],
      });
      const rec = new TabRecorder(tab);

      // The server has started the session; its id has not left the server.
      const createdPath = path.join(hold, 'created');
      await pollFor(
        'the first `new` to finish on the server',
        () => existsSync(createdPath),
        30_000,
      );
      // The script's own output: our sync marker, then the id (alone, or as the
      // `new=STATUS|ID` line of a probe or upload that started the session too).
      const last = (await readFile(createdPath, 'utf8')).trim().split('\n').at(-1)!;
      const created = /([a-z2-7]+)$/.exec(last)?.[1] ?? last;
      expect(created).toMatch(/^[a-z2-7]{10}$/);
      expect(tab.state.kind).toBe('connecting');
      expect(tab.sessionId).toBeUndefined();
      await proxy.reset();
      await writeFile(path.join(hold, 'release'), '');

      await rec.waitState('connected', 30_000);
      // The engine saw the setup fail with the link and tried again on a new connection...
      expect(logs.join('\n')).toMatch(/setup interrupted by a lost connection/);
      expect(proxy.accepted).toBeGreaterThanOrEqual(2);

      // ...and the server holds one session, the first attempt's, which the tab shows.
      const listed = await engine.listSessions(dest);
      expect(listed.ok, JSON.stringify(listed)).toBe(true);
      const ids = listed.ok
        ? listed.value.filter((s) => s.command.includes(nonce)).map((s) => s.id)
        : [];
      expect(ids).toEqual([created]);
      expect(tab.sessionId).toBe(created);

      // `new` ran twice, with one token: the retry found the session instead of starting one.
      const attempts = (await readFile(path.join(hold, 'new.log'), 'utf8')).trimEnd().split('\n');
      expect(attempts).toHaveLength(2);
      const tokens = attempts.map((a) => /'--request' '([0-9a-f]{32})'/.exec(a)?.[1]);
      expect(tokens[0]).toBeDefined();
      expect(tokens[1]).toBe(tokens[0]);

      // The output from before the tab attached is there, once, and keystrokes work.
      await rec.waitFor('session-up-42');
      tab.write(Buffer.from('typed-after-retry\r'));
      await rec.waitFor(/typed-after-retry\r?\n/);
      expect(rec.text.match(/session-up-42/g)).toHaveLength(1);
      await tab.kill();
    } finally {
      engine.dispose();
      await proxy.close();
    }
  });
});
