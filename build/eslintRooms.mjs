// The import layering of STYLE.md §1 as one ESLint rule (the idea of vscode's
// code-layering rule): every file belongs to a room by its folder, and each room names the
// rooms it may import from and whether it may use Node's built-in modules or electron.
// Relative imports are resolved against the importing file, so `../engine`, `../../engine/x`
// and `./../engine/x` are all the engine; a bare name is a package.
//
//   renderer → contract ← host ← app        engine ← host, engine ← app, engine ← bin
//   and every room → common (small pure helpers: the event emitter, echo prediction)
//
// What a room may use besides: the DOM lib and Node's types are per-room tsconfig matters
// (main/engine/tsconfig.json has no DOM; renderer/tsconfig.json has no Node types).

import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * The rooms, by folder (relative to the repository). `may`: the rooms it imports from
 * (itself included); `node`: Node's built-in modules; `electron`: the electron package.
 * `why` ends the message of a refused import.
 */
export const ROOMS = {
  common: {
    dir: 'main/common',
    may: ['common'],
    node: false,
    electron: false,
    why: 'common is pure helpers every room uses, in the browser and in Node',
  },
  engine: {
    dir: 'main/engine',
    may: ['engine', 'common'],
    node: true,
    electron: false,
    why: 'the engine is plain Node and knows nothing of the contract, host, app or UI',
  },
  contract: {
    dir: 'main/contract',
    may: ['contract', 'common'],
    node: false,
    electron: false,
    why: 'the contract is pure: the renderer and the host both compile it',
  },
  host: {
    dir: 'main/host',
    may: ['host', 'contract', 'engine', 'common'],
    node: true,
    electron: false,
    why: 'the host implements the contract on the engine, for the app and the test host',
  },
  app: {
    dir: 'main/app',
    may: ['app', 'host', 'contract', 'engine', 'common'],
    node: true,
    electron: true,
    why: 'the app is Electron glue around the host',
  },
  renderer: {
    dir: 'renderer',
    may: ['renderer', 'contract', 'common'],
    node: false,
    electron: false,
    why: 'the renderer runs in the browser sandbox and reaches the rest only through the contract',
  },
  bin: {
    dir: 'bin',
    may: ['bin', 'engine', 'common'],
    node: true,
    electron: false,
    why: 'the CLI drives the engine directly',
  },
  test: { dir: 'test', may: '*', node: true, electron: true, why: '' },
  build: { dir: 'build', may: '*', node: true, electron: true, why: '' },
};

/** Files inside a room's folder that are tooling, not the room's code (Node-side config). */
const TOOLING = new Set(['renderer/vite.config.ts']);

const NODE_BUILTINS = new Set(builtinModules);

/** The room of a repository-relative path, or undefined outside every room. */
function roomOf(rel) {
  if (TOOLING.has(rel)) return undefined;
  for (const [name, room] of Object.entries(ROOMS)) {
    if (rel === room.dir || rel.startsWith(`${room.dir}/`)) return name;
  }
  return undefined;
}

function isNodeBuiltin(source) {
  return source.startsWith('node:') || NODE_BUILTINS.has(source.split('/')[0] ?? source);
}

function isElectron(source) {
  return source === 'electron' || source.startsWith('electron/');
}

/** The string a node imports from, or undefined when it is not a literal import. */
function sourceOf(node) {
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'ExportNamedDeclaration':
    case 'ImportExpression':
      return typeof node.source?.value === 'string' ? node.source.value : undefined;
    case 'TSExternalModuleReference':
      return typeof node.expression?.value === 'string' ? node.expression.value : undefined;
    case 'TSImportType': {
      // typescript-eslint 8 names the string `source` (`argument` is deprecated).
      const literal = node.source ?? node.argument?.literal;
      return typeof literal?.value === 'string' ? literal.value : undefined;
    }
    case 'CallExpression': {
      const [arg] = node.arguments;
      const isRequire = node.callee.type === 'Identifier' && node.callee.name === 'require';
      return isRequire && arg?.type === 'Literal' && typeof arg.value === 'string'
        ? arg.value
        : undefined;
    }
    default:
      return undefined;
  }
}

const rooms = {
  meta: {
    type: 'problem',
    docs: { description: 'Each room imports only the rooms the layering lets it (STYLE.md §1).' },
    schema: [],
    messages: {
      room: "{{from}} may not import {{to}} ('{{source}}'): {{why}}.",
      node: "{{from}} may not import Node's '{{source}}': {{why}}.",
      electron: "{{from}} may not import electron ('{{source}}'): {{why}}.",
    },
  },
  create(context) {
    const file = path.resolve(context.filename);
    const rel = path.relative(REPO, file).split(path.sep).join('/');
    const from = roomOf(rel);
    if (from === undefined) return {};
    const room = ROOMS[from];

    const check = (node) => {
      const source = sourceOf(node);
      if (source === undefined) return;
      const data = { from: room.dir, source, why: room.why };
      if (source.startsWith('.')) {
        if (room.may === '*') return;
        const target = path.resolve(path.dirname(file), source);
        const to = roomOf(path.relative(REPO, target).split(path.sep).join('/'));
        if (to !== undefined && !room.may.includes(to)) {
          context.report({ node, messageId: 'room', data: { ...data, to: ROOMS[to].dir } });
        }
      } else if (isElectron(source)) {
        if (!room.electron) context.report({ node, messageId: 'electron', data });
      } else if (isNodeBuiltin(source)) {
        if (!room.node) context.report({ node, messageId: 'node', data });
      }
    };
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
      TSExternalModuleReference: check,
      TSImportType: check,
      CallExpression: check,
    };
  },
};

export default { rules: { rooms } };
