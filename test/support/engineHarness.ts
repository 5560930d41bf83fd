// Shared set-up for engine tests: a real sshd, an Engine whose prompts are answered from
// a script, and helpers to read a tab's output as the user would see it.

import { Engine, type EngineOptions } from '../../main/engine/engine';
import type { PromptAnswer, PromptRequest } from '../../main/engine/prompts';
import type { Destination, Tab, TabState } from '../../main/engine/types';
import type { Sshd } from './sshd';
import { pollFor } from './proc';

export function destinationOf(sshd: Sshd, over: Partial<Destination> = {}): Destination {
  return { destination: sshd.sshAlias, configFile: sshd.sshConfigFile, ...over };
}

export function testEngine(
  opts: Partial<EngineOptions> & { answers?: (req: PromptRequest) => PromptAnswer } = {},
): { engine: Engine; prompts: PromptRequest[]; logs: string[] } {
  const prompts: PromptRequest[] = [];
  const logs: string[] = [];
  const engine = new Engine({
    clientName: 'holdfast-test',
    log: (m) => logs.push(m),
    ...opts,
    prompter: async (req) => {
      prompts.push(req);
      return opts.answers ? opts.answers(req) : { kind: 'cancel' };
    },
  });
  return { engine, prompts, logs };
}

/** Everything a tab shows, collected as it arrives, with its states. */
export class TabRecorder {
  readonly chunks: Buffer[] = [];
  readonly states: TabState[] = [];
  readonly gaps: [bigint, bigint][] = [];
  constructor(readonly tab: Tab) {
    tab.onOutput((d) => this.chunks.push(d));
    tab.onState((s) => this.states.push(s));
    tab.onGap((f, t) => this.gaps.push([f, t]));
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  async waitFor(re: RegExp | string, timeoutMs = 20_000): Promise<void> {
    await pollFor(
      `tab output matching ${String(re)}`,
      () => (typeof re === 'string' ? this.text.includes(re) : re.test(this.text)),
      timeoutMs,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; got: ${JSON.stringify(this.text.slice(-300))}`);
    });
  }
  async waitState(kind: TabState['kind'], timeoutMs = 20_000): Promise<TabState> {
    await pollFor(`tab state ${kind}`, () => this.tab.state.kind === kind, timeoutMs).catch(
      (e: Error) => {
        throw new Error(`${e.message}; now ${JSON.stringify(this.tab.state)}`);
      },
    );
    return this.tab.state;
  }
}

/** Runs `command` in a tab of a fresh engine to its end: what it showed and its status. */
export async function runTabToEnd(
  dest: Destination,
  command: string,
  timeoutMs = 30_000,
): Promise<{ text: string; code: number }> {
  const { engine } = testEngine();
  try {
    const tab = engine.openTab({ ...dest, cols: 80, rows: 24, command: [command] });
    const rec = new TabRecorder(tab);
    const s = await rec.waitState('ended', timeoutMs);
    return { text: rec.text, code: s.kind === 'ended' ? s.exitCode : -1 };
  } finally {
    engine.dispose();
  }
}
