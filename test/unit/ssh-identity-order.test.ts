/**
 * Proves planIdentities keeps OpenSSH's pubkey_prepare order (sshconnect2.c): agent keys
 * an IdentityFile names first (in the agent's order, signed by the agent), then the
 * agent's other keys unless IdentitiesOnly, then the files no agent key matched (in
 * config order). Keys are stand-in blobs; the function only compares them.
 */
import { describe, expect, it } from 'vitest';
import { planIdentities } from '../../main/engine/ssh/identityOrder';

const blob = (name: string): Buffer => Buffer.from(`key:${name}`);
const file = (name: string, key: string | null = name) => ({
  name: `file ${name}`,
  blob: key === null ? undefined : blob(key),
});
const agentKey = (name: string) => ({ name: `agent ${name}`, blob: blob(name) });

type Row = {
  name: string;
  files: ReturnType<typeof file>[];
  agent: ReturnType<typeof agentKey>[] | undefined;
  identitiesOnly: boolean;
  plan: string[];
};

const rows: Row[] = [
  {
    name: 'no agent: the files in config order',
    files: [file('a'), file('b')],
    agent: undefined,
    identitiesOnly: false,
    plan: ['file a', 'file b'],
  },
  {
    name: 'no IdentityFile matches: every agent key, then the files',
    files: [file('a')],
    agent: [agentKey('x'), agentKey('y')],
    identitiesOnly: false,
    plan: ['agent x', 'agent y', 'file a'],
  },
  {
    name: 'agent keys named by a file come before the agent’s other keys',
    files: [file('a'), file('b')],
    agent: [agentKey('x'), agentKey('b')],
    identitiesOnly: false,
    plan: ['agent b (file b)', 'agent x', 'file a'],
  },
  {
    name: 'matched agent keys keep the agent’s order, not the config’s',
    files: [file('a'), file('b')],
    agent: [agentKey('b'), agentKey('a')],
    identitiesOnly: false,
    plan: ['agent b (file b)', 'agent a (file a)'],
  },
  {
    name: 'IdentitiesOnly leaves out the agent keys no file names',
    files: [file('a'), file('b')],
    agent: [agentKey('x'), agentKey('b'), agentKey('y')],
    identitiesOnly: true,
    plan: ['agent b (file b)', 'file a'],
  },
  {
    name: 'IdentitiesOnly with no file matching: only the files',
    files: [file('a')],
    agent: [agentKey('x')],
    identitiesOnly: true,
    plan: ['file a'],
  },
  {
    name: 'a file whose public key is unknown (encrypted, no .pub) matches nothing and stays a file',
    files: [file('a', null)],
    agent: [agentKey('a')],
    identitiesOnly: false,
    plan: ['agent a', 'file a'],
  },
  {
    name: 'two files naming one agent key: the first goes via the agent, the second stays a file',
    files: [file('a'), { name: 'file a-again', blob: blob('a') }],
    agent: [agentKey('a')],
    identitiesOnly: true,
    plan: ['agent a (file a)', 'file a-again'],
  },
  {
    name: 'an empty agent is like no agent',
    files: [file('a')],
    agent: [],
    identitiesOnly: true,
    plan: ['file a'],
  },
];

describe('planIdentities', () => {
  for (const row of rows) {
    it(row.name, () => {
      const plan = planIdentities(row.files, row.agent, row.identitiesOnly).map((s) =>
        s.kind === 'file'
          ? s.file.name
          : s.file === undefined
            ? s.key.name
            : `${s.key.name} (${s.file.name})`,
      );
      expect(plan).toEqual(row.plan);
    });
  }
});
