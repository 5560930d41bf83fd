// What these prove: the packaged app deploys only the agents shipped in its resources
// (process.resourcesPath/agents, electron-builder's extraResources) and takes none from its
// environment; run from a checkout it finds the cross-built agents, the local build and the
// C sources the way AgentBundle.locate does.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentPlaces } from '../../main/app/agents';

const made: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

describe('agentPlaces', () => {
  it('packaged: only <resources>/agents, no local build, no sources, no override', () => {
    const resources = '/opt/Holdfast/resources';
    const places = agentPlaces(
      {
        packaged: true,
        resourcesPath: resources,
        appPath: path.join(resources, 'app.asar'),
        agentsDirOverride: '/tmp/evil-agents',
      },
      () => true,
    );
    expect(places).toEqual({
      dirs: [path.join(resources, 'agents')],
      devBinary: undefined,
      sourcesDir: undefined,
    });
  });

  it('packaged without agents: nothing to deploy (the engine then says so per server)', () => {
    const places = agentPlaces(
      { packaged: true, resourcesPath: '/r', appPath: '/r/app.asar', agentsDirOverride: undefined },
      () => false,
    );
    expect(places.dirs).toEqual([]);
  });

  it('from a checkout: the override, build/agents, the local build and the sources', async () => {
    const repo = await tempDir('hf-agents-');
    await mkdir(path.join(repo, 'remote-agent', 'build'), { recursive: true });
    await mkdir(path.join(repo, 'build', 'agents'), { recursive: true });
    await writeFile(path.join(repo, 'remote-agent', 'PROTOCOL.md'), '# protocol\n');
    await writeFile(path.join(repo, 'remote-agent', 'Makefile'), 'all:\n');
    await writeFile(path.join(repo, 'remote-agent', 'build', 'holdfast-agent'), '');
    const override = await tempDir('hf-agents-override-');
    const places = agentPlaces({
      packaged: false,
      resourcesPath: '/electron/resources',
      appPath: repo,
      agentsDirOverride: override,
    });
    expect(places).toEqual({
      dirs: [override, path.join(repo, 'build', 'agents')],
      devBinary: path.join(repo, 'remote-agent', 'build', 'holdfast-agent'),
      sourcesDir: path.join(repo, 'remote-agent'),
    });
  });
});
