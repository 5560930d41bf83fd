// The layering of STYLE.md §1 is enforced, not hoped for: each import a room may not make
// is refused by the lint rule (build/eslintRooms.mjs) and each global a room does not have
// fails its own tsconfig. Every case is a fixture file (test/unit/fixtures/rooms, kept out
// of the normal lint and type-check) run through the real ESLint config and the real
// tsconfig of its room; a few allowed imports prove the rule does not simply refuse all.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = path.join(REPO, 'test/unit/fixtures/rooms');

/** Where a fixture is linted as if it lived: the folder of the room its name starts with. */
const ROOM_DIR: Record<string, string> = {
  common: 'main/common',
  engine: 'main/engine',
  contract: 'main/contract',
  host: 'main/host',
  app: 'main/app',
  bin: 'bin',
  renderer: 'renderer/src',
};

type LintCase = { fixture: string; messageId: 'room' | 'node' | 'electron' | undefined };

const LINT_CASES: LintCase[] = [
  { fixture: 'contract-imports-engine.ts', messageId: 'room' },
  { fixture: 'contract-imports-host.ts', messageId: 'room' },
  { fixture: 'contract-imports-node.ts', messageId: 'node' },
  { fixture: 'renderer-imports-host.ts', messageId: 'room' },
  { fixture: 'renderer-imports-engine.ts', messageId: 'room' },
  { fixture: 'renderer-imports-fs.ts', messageId: 'node' },
  { fixture: 'renderer-imports-node-path.ts', messageId: 'node' },
  { fixture: 'renderer-imports-electron.ts', messageId: 'electron' },
  { fixture: 'engine-imports-electron.ts', messageId: 'electron' },
  { fixture: 'engine-imports-host.ts', messageId: 'room' },
  { fixture: 'engine-imports-contract.ts', messageId: 'room' },
  { fixture: 'engine-imports-app.ts', messageId: 'room' },
  { fixture: 'host-imports-app.ts', messageId: 'room' },
  { fixture: 'host-imports-electron.ts', messageId: 'electron' },
  { fixture: 'bin-imports-host.ts', messageId: 'room' },
  { fixture: 'bin-imports-contract.ts', messageId: 'room' },
  { fixture: 'bin-imports-app.ts', messageId: 'room' },
  { fixture: 'common-imports-engine.ts', messageId: 'room' },
  { fixture: 'common-imports-node.ts', messageId: 'node' },
  // Allowed: each arrow of the layering, once.
  { fixture: 'renderer-imports-contract.ts', messageId: undefined },
  { fixture: 'host-imports-engine.ts', messageId: undefined },
  { fixture: 'app-imports-electron.ts', messageId: undefined },
  { fixture: 'bin-imports-engine.ts', messageId: undefined },
  { fixture: 'engine-imports-common.ts', messageId: undefined },
];

/** A global the room does not have, and the tsconfig that must refuse it. */
const TYPE_CASES = [
  { fixture: 'engine-uses-dom.ts', tsconfig: 'main/engine/tsconfig.json', name: 'document' },
  { fixture: 'common-uses-node.ts', tsconfig: 'main/common/tsconfig.json', name: 'Buffer' },
  { fixture: 'contract-uses-dom.ts', tsconfig: 'main/contract/tsconfig.json', name: 'window' },
  { fixture: 'contract-uses-node.ts', tsconfig: 'main/contract/tsconfig.json', name: 'process' },
  { fixture: 'renderer-uses-node.ts', tsconfig: 'renderer/tsconfig.json', name: 'process' },
  { fixture: 'renderer-imports-fs.ts', tsconfig: 'renderer/tsconfig.json', name: 'fs' },
];

// TS2304 cannot find name; TS2584 ... include 'dom'; TS2591 ... add 'node' to types.
const CANNOT_FIND_NAME = [2304, 2584, 2591];

describe('import lint: each room imports only what the layering allows', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: REPO });
  });

  it.each(LINT_CASES)('$fixture: $messageId', async ({ fixture, messageId }) => {
    const room = fixture.split('-')[0] as string;
    const dir = ROOM_DIR[room];
    if (dir === undefined) throw new Error(`fixture ${fixture} names no room`);
    const code = readFileSync(path.join(FIXTURES, fixture), 'utf8');
    const [result] = await eslint.lintText(code, { filePath: path.join(REPO, dir, fixture) });
    const found = (result?.messages ?? []).map((m) => `${m.ruleId}:${m.messageId ?? m.message}`);
    expect(found).toEqual(messageId === undefined ? [] : [`holdfast/rooms:${messageId}`]);
  });
});

describe("type-check: each room's tsconfig has only the globals the room runs with", () => {
  // One program per room: the room's own files plus its fixtures, as `npm run typecheck`
  // would see a new file there (so a type package pulled in by the room counts too).
  const programs = new Map<string, ts.Program>();
  const programFor = (tsconfig: string): ts.Program => {
    let program = programs.get(tsconfig);
    if (program) return program;
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(REPO, tsconfig), undefined, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, ' '));
      },
    });
    if (!parsed) throw new Error(`cannot read ${tsconfig}`);
    const fixtures = TYPE_CASES.filter((c) => c.tsconfig === tsconfig).map((c) =>
      path.join(FIXTURES, c.fixture),
    );
    const { incremental: _i, tsBuildInfoFile: _t, ...options } = parsed.options;
    program = ts.createProgram({ rootNames: [...parsed.fileNames, ...fixtures], options });
    programs.set(tsconfig, program);
    return program;
  };

  it.each(TYPE_CASES)(
    '$fixture does not compile under $tsconfig',
    ({ fixture, tsconfig, name }) => {
      const program = programFor(tsconfig);
      const file = program.getSourceFile(path.join(FIXTURES, fixture));
      if (!file) throw new Error(`${fixture} is not in the program`);
      const errors = ts
        .getPreEmitDiagnostics(program, file)
        .map((d) => ({ code: d.code, text: ts.flattenDiagnosticMessageText(d.messageText, ' ') }));
      expect(errors).toHaveLength(1);
      expect(CANNOT_FIND_NAME).toContain(errors[0]?.code);
      expect(errors[0]?.text).toContain(`Cannot find name '${name}'`);
    },
    // The first case builds the room's whole program with tsc: seconds under load.
    60_000,
  );
});
