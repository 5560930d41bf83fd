// The engine as a separate process, for the real-link rows: run inside the bed's client
// network namespace (`ip netns exec <client> node --import tsx test/bench/nsClient.ts
// '<json>'`), it opens one streaming tab and prints what happens as JSON lines on stdout,
// each stamped with the wall clock (the same clock the parent uses for the heal):
//   {"e":"s","t":..., "kind":"connected"}           tab state
//   {"e":"o","t":..., "off":"1234", "d":"..."}      output (latin1), at its offset
//   {"e":"g","t":..., "from":"..", "to":".."}       a GAP
//   {"e":"b","t":...}                               just before the tab is opened
// It ends (killing the remote session) when its stdin closes. Engine logs go to stderr.
//
// argv[2]: {"configFile": ssh_config path, "alias": Host, "command": remote command,
//           "keepalive": {"intervalMs": n, "countMax": n}, "seenFile": path}
// `seenFile`: the record of servers this client put its agent on (as the app's and the
// CLI's agents-seen.json), which decides whether a first connect sends it unasked.

import { FileAgentsSeen } from '../../main/engine/deploy/agentsSeen';
import { Engine } from '../../main/engine/engine';

type Args = {
  configFile: string;
  alias: string;
  command: string;
  keepalive: { intervalMs: number; countMax: number };
  seenFile?: string;
};

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const now = () => performance.timeOrigin + performance.now();
const emit = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

const engine = new Engine({
  clientName: 'holdfast-bench-ns',
  keepalive: args.keepalive,
  ...(args.seenFile ? { agentsSeen: new FileAgentsSeen(args.seenFile) } : {}),
  prompter: async () => ({ kind: 'cancel' }),
  log: (m) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${m}\n`),
});
emit({ e: 'b', t: now() });
const tab = engine.openTab({
  destination: args.alias,
  configFile: args.configFile,
  cols: 80,
  rows: 24,
  command: [args.command],
});
tab.onState((s) =>
  emit({ e: 's', t: now(), kind: s.kind, ...(s.kind === 'failed' ? { reason: s.reason } : {}) }),
);
tab.onOutput((d, off) => emit({ e: 'o', t: now(), off: String(off), d: d.toString('latin1') }));
tab.onGap((from, to) => emit({ e: 'g', t: now(), from: String(from), to: String(to) }));

let ending = false;
const end = async () => {
  if (ending) return;
  ending = true;
  await Promise.race([tab.kill(), new Promise((r) => setTimeout(r, 3000))]);
  engine.dispose();
  process.exit(0);
};
process.stdin.on('end', () => void end());
process.stdin.on('close', () => void end());
process.stdin.resume();
