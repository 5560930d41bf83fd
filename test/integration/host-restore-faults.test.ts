// Proves a tab restored after the app stopped carries on exactly where it was, over the
// real engine, agent and sshd, with the link black-holed at the worst moment: keystrokes
// sent into the dead link when the app stops, then the link reset (they never arrive). After the restart the tab
// resumes from its kept screen's offset (no output it had shown is sent again, none is
// skipped) and takes input again: its input numbering goes on from what the agent says it
// applied, not from a count that ran ahead into the lost keystrokes (a hole the agent
// refuses as a protocol error).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../main/contract/api';
import { Engine } from '../../main/engine/engine';
import { EngineBridge } from '../../main/host/engineBridge';
import { startFaultProxyFor } from '../support/faultProxy';
import { pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

let sshd: Sshd;
let dir: string;
beforeAll(async () => {
  sshd = await startSshd({ label: 'host-restore' });
  console.log(`sshd: ${sshd.host}:${sshd.port} (pid ${sshd.pid})`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'hft-host-restore-'));
});
afterAll(async () => {
  await sshd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A host process's bridge on the config folder `dir`, recording what it sends the UI. */
function host(): { bridge: EngineBridge; events: AnyEvent[]; text: () => string } {
  const events: AnyEvent[] = [];
  const bridge = new EngineBridge({
    createEngine: (prompter) =>
      new Engine({
        prompter,
        clientName: 'holdfast-test',
        keepalive: { intervalMs: 500, countMax: 3 },
      }),
    emit: (event) => {
      events.push(event);
      // The renderer acknowledges what it parsed; here, at once.
      if (event.event === 'output' && event.payload.bytes > 0) {
        bridge.ackOutput(event.payload.tabId, event.payload.bytes);
      }
    },
    openExternal: () => {},
    destinationDefaults: { configFile: sshd.sshConfigFile },
    tabsFile: path.join(dir, 'tabs.json'),
  });
  const text = () => events.flatMap((e) => (e.event === 'output' ? [e.payload.data] : [])).join('');
  return { bridge, events, text };
}

const stateOf = (events: AnyEvent[]) =>
  events.flatMap((e) => (e.event === 'state' ? [e.payload.state] : [])).at(-1);

/** Where the output shown so far ends (what a renderer that parsed it all has reached). */
function shownEnd(events: AnyEvent[]): bigint {
  let end = 0n;
  for (const e of events) {
    if (e.event === 'output' && e.payload.bytes > 0) {
      end = BigInt(e.payload.offset) + BigInt(e.payload.bytes);
    }
  }
  return end;
}

describe('a tab restored after the app stopped on a dead link', () => {
  it('resumes at its kept screen and takes input again, nothing repeated or lost', async () => {
    const proxy = await startFaultProxyFor(sshd);
    const target = {
      kind: 'destination' as const,
      destination: { destination: sshd.sshAlias, port: proxy.port },
    };
    try {
      const first = host();
      const opened = await first.bridge.connect({ tabId: 't1', target, cols: 80, rows: 24 });
      expect(opened).toEqual({ ok: true, tabId: 't1' });
      await pollFor('connected', () => stateOf(first.events)?.kind === 'connected', 30_000);
      first.bridge.write('t1', 'echo one-$((0 + 1))\r');
      await pollFor('one-1', () => /^one-1\r?$/m.test(first.text()), 20_000);
      // The renderer keeps its screen where the shown output ends.
      const kept = shownEnd(first.events);
      expect(first.bridge.keepScreen('t1', kept.toString(), 'SCREEN-AS-SHOWN')).toEqual({
        ok: true,
      });

      // The link dies unnoticed; keystrokes go into it and the app stops.
      proxy.blackhole();
      first.bridge.write('t1', 'echo lost-$((1 + 1))\r');
      first.bridge.write('t1', 'x');
      await first.bridge.dispose();
      // The dead link's connection goes with the keystrokes it held: they never arrive.
      await proxy.reset();
      proxy.pass();

      const second = host();
      const restored = await second.bridge.restoreTabs();
      if (!restored.ok) throw new Error(restored.error.message);
      const [tab] = restored.tabs;
      expect(tab?.screen).toBe('SCREEN-AS-SHOWN');
      expect(tab?.resume?.received).toBe(kept.toString());
      const again = await second.bridge.connect({
        tabId: 't2',
        target: tab?.target ?? target,
        cols: 80,
        rows: 24,
        ...(tab ? { attach: tab.sessionId } : {}),
        ...(tab?.resume ? { resume: tab.resume } : {}),
      });
      expect(again).toEqual({ ok: true, tabId: 't2' });
      await pollFor('re-attached', () => stateOf(second.events)?.kind === 'connected', 30_000);
      second.bridge.write('t2', '\x15echo after-$((2 + 3))\r');
      await pollFor('after-5', () => /^after-5\r?$/m.test(second.text()), 20_000).catch(
        (error: Error) => {
          throw new Error(
            `${error.message}; state ${JSON.stringify(stateOf(second.events))}, ` +
              `output ${JSON.stringify(second.text().slice(-300))}`,
          );
        },
      );
      // Nothing it had shown came again: the first output starts where the screen ended.
      const outputs = second.events.flatMap((e) => (e.event === 'output' ? [e.payload] : []));
      expect(BigInt(outputs[0]?.offset ?? '-1')).toBe(kept);
      expect(second.text()).not.toContain('one-1');
      // And it stays attached (a refused input number would drop the link).
      await new Promise((r) => setTimeout(r, 1500));
      expect(stateOf(second.events)?.kind).toBe('connected');
      await second.bridge.kill('t2');
      await second.bridge.dispose();
    } finally {
      await proxy.close();
    }
  });
});
