// Where the desktop app finds the agent binaries it deploys to servers.
//
// Packaged: only `<resources>/agents/<os>-<arch>/holdfast-agent` (electron-builder's
// extraResources copies build/agents there). From a checkout (`npm start`): the same places
// as AgentBundle.locate — HOLDFAST_AGENTS_DIR, build/agents, the local build and the C
// sources — found from the app's folder. The bundle is built here rather than with
// `AgentBundle.locate()` because locate finds the checkout from `import.meta.url`, which
// esbuild leaves empty in the CommonJS main bundle (see the report to the lead).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { AgentBundle, findRepoRoot } from '../engine/deploy/agentBundle';

export type AgentPlaces = {
  dirs: string[];
  devBinary: string | undefined;
  sourcesDir: string | undefined;
};

export type AppLocation = {
  /** `app.isPackaged`. */
  packaged: boolean;
  /** `process.resourcesPath`: holds app.asar and the extra resources. */
  resourcesPath: string;
  /** `app.getAppPath()`: the checkout's root when run from sources. */
  appPath: string;
  /** Read only from a checkout: a packaged app does not take binaries from its environment. */
  agentsDirOverride: string | undefined;
};

/** The folders and files to search, keeping only those that exist. */
export function agentPlaces(
  where: AppLocation,
  exists: (p: string) => boolean = existsSync,
): AgentPlaces {
  if (where.packaged) {
    const dir = path.join(where.resourcesPath, 'agents');
    return { dirs: exists(dir) ? [dir] : [], devBinary: undefined, sourcesDir: undefined };
  }
  const root = findRepoRoot(where.appPath);
  const dirs = [where.agentsDirOverride, root && path.join(root, 'build', 'agents')].filter(
    (d): d is string => !!d && exists(d),
  );
  const dev = root && path.join(root, 'remote-agent', 'build', 'holdfast-agent');
  const src = root && path.join(root, 'remote-agent');
  return {
    dirs,
    devBinary: dev && exists(dev) ? dev : undefined,
    sourcesDir: src && exists(path.join(src, 'Makefile')) ? src : undefined,
  };
}

export function agentBundleFor(where: AppLocation): AgentBundle {
  const places = agentPlaces(where);
  return new AgentBundle(places.dirs, places.devBinary, places.sourcesDir);
}
