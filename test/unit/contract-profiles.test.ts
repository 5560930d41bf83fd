// What these prove, on the engine side of the contract (EngineBridge) with a real
// ProfileStore in a temporary folder and a scripted engine: profiles are listed, saved,
// updated and removed through the contract, a bad field comes back as a field error in
// words, a password is never written in plain text, and connecting to a profile by name
// opens the tab with the profile's destination plus the host's defaults. And tabs.json:
// it remembers each open tab with its session and resume client id, keeps them when the
// app goes away, forgets a tab the user closed, hands them out once, and an unreadable
// file restores nothing. (How often it is written, and the kept screens: host-restore.)

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch, type AnyEvent, type RestorableTab } from '../../main/contract/api';
import { EngineBridge, type EngineLike } from '../../main/host/engineBridge';
import { readTabsFile, TabsFileWriter } from '../../main/host/tabsFile';
import { NoKeychainSecretStore, ProfileStore } from '../../main/engine/profiles';
import type { OpenTabRequest } from '../../main/engine/types';
import { ScriptedTab } from '../support/scriptedTab';

async function setup(opts: { tabsFile?: boolean; sessionId?: string } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-contract-profiles-'));
  const store = new ProfileStore({
    file: path.join(dir, 'profiles.json'),
    secrets: new NoKeychainSecretStore(),
    home: dir,
    checkKeyFile: async () => 'file' as const,
  });
  const events: AnyEvent[] = [];
  const requests: OpenTabRequest[] = [];
  const tabs: ScriptedTab[] = [];
  const engine: EngineLike = {
    openTab: (req) => {
      requests.push(req);
      const tab = new ScriptedTab({
        sessionId: opts.sessionId ?? req.attach ?? `s-${tabs.length + 1}`,
        state: { kind: 'connected', sessionId: 's-1', resilient: true },
        clientId: 'abcd',
      });
      tabs.push(tab);
      return tab;
    },
    listSessions: async () => ({ ok: true, value: [] }),
    killSession: async () => ({ ok: true }),
    renameSession: async () => ({ ok: true }),
    networkChanged: () => {},
  };
  const tabsFile = path.join(dir, 'tabs.json');
  const make = () =>
    new EngineBridge({
      createEngine: () => engine,
      emit: (e) => events.push(e),
      openExternal: () => {},
      destinationDefaults: { configFile: '/bed/ssh_config', options: ['BatchMode=yes'] },
      profiles: store,
      ...(opts.tabsFile ? { tabsFile, tabsSaveDelayMs: 10 } : {}),
    });
  return { dir, store, bridge: make(), make, events, requests, tabs, tabsFile };
}

const readJson = async (file: string): Promise<{ tabs: RestorableTab[] }> =>
  JSON.parse(await readFile(file, 'utf8')) as { tabs: RestorableTab[] };

describe('EngineBridge profiles', () => {
  it('lists no profiles when there is no profiles file yet', async () => {
    const { bridge } = await setup();
    expect(await bridge.listProfiles()).toEqual({ ok: true, profiles: [] });
  });

  it('saves a new profile and lists it', async () => {
    const { bridge } = await setup();
    const saved = await bridge.saveProfile({ name: 'web', host: 'example.com', port: 2222 });
    expect(saved.ok).toBe(true);
    const listed = await bridge.listProfiles();
    expect(listed.ok && listed.profiles.map((p) => [p.name, p.host, p.port])).toEqual([
      ['web', 'example.com', 2222],
    ]);
  });

  it('answers a bad port with a field error in words, and saves nothing', async () => {
    const { bridge } = await setup();
    const saved = await bridge.saveProfile({ name: 'web', host: 'example.com', port: 70000 });
    expect(saved.ok).toBe(false);
    if (saved.ok) return;
    expect(saved.error.kind).toBe('invalid');
    expect(saved.error.fields).toEqual([
      { field: 'port', message: 'must be a number from 1 to 65535' },
    ]);
    expect(await bridge.listProfiles()).toEqual({ ok: true, profiles: [] });
  });

  it('updates the profile with the given id, keeping the id', async () => {
    const { bridge } = await setup();
    const added = await bridge.saveProfile({ name: 'web', host: 'a.example' });
    if (!added.ok) throw new Error(added.error.message);
    const updated = await bridge.saveProfile({
      id: added.profile.id,
      name: 'web2',
      host: 'b.example',
    });
    expect(updated.ok && [updated.profile.id, updated.profile.name, updated.profile.host]).toEqual([
      added.profile.id,
      'web2',
      'b.example',
    ]);
  });

  it('removes a profile and returns it, so that saving it again undoes the removal', async () => {
    const { bridge } = await setup();
    await bridge.saveProfile({ name: 'web', host: 'a.example', group: 'prod' });
    const removed = await bridge.removeProfile('web');
    if (!removed.ok) throw new Error(removed.error.message);
    expect(await bridge.listProfiles()).toEqual({ ok: true, profiles: [] });
    const { id: _id, ...again } = removed.profile;
    expect((await bridge.saveProfile(again)).ok).toBe(true);
    const listed = await bridge.listProfiles();
    expect(listed.ok && listed.profiles.map((p) => [p.name, p.group])).toEqual([['web', 'prod']]);
  });

  it('says which profile is missing when removing one that is not there', async () => {
    const { bridge } = await setup();
    const removed = await bridge.removeProfile('nope');
    expect(removed.ok === false && removed.error.kind).toBe('not-found');
  });

  it('refuses to keep a password without a keychain, on the password field, writing none', async () => {
    const { bridge, store } = await setup();
    const saved = await bridge.saveProfile({
      name: 'db',
      host: 'db.example',
      auth: { method: 'password', password: 'hunter2' },
    });
    expect(saved.ok === false && saved.error.fields?.map((f) => f.field)).toEqual([
      'auth.password',
    ]);
    const text = await readFile(store.file, 'utf8').catch(() => '');
    expect(text).not.toContain('hunter2');
  });

  it('imports the Host entries of ~/.ssh/config', async () => {
    const { bridge, dir } = await setup();
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, '.ssh'));
    await writeFile(path.join(dir, '.ssh', 'config'), 'Host alpha\n  HostName 10.0.0.1\nHost *\n');
    const report = await bridge.importSshConfig();
    expect(report.ok && report.added).toEqual(['alpha']);
    const listed = await bridge.listProfiles();
    expect(listed.ok && listed.profiles.map((p) => [p.name, p.alias])).toEqual([
      ['alpha', 'alpha'],
    ]);
  });

  it('connects to a profile by name with its destination plus the host defaults', async () => {
    const { bridge, requests } = await setup();
    await bridge.saveProfile({
      name: 'web',
      host: 'example.com',
      port: 2222,
      user: 'me',
      keepalive: { intervalSeconds: 15 },
    });
    const opened = await bridge.connect({
      tabId: 'ui1',
      target: { kind: 'profile', name: 'WEB' },
      cols: 80,
      rows: 24,
    });
    expect(opened).toEqual({ ok: true, tabId: 'ui1' });
    expect(requests).toEqual([
      {
        destination: 'example.com',
        port: 2222,
        user: 'me',
        configFile: '/bed/ssh_config',
        options: ['BatchMode=yes', 'ServerAliveInterval=15'],
        cols: 80,
        rows: 24,
      },
    ]);
  });

  it('fails a connect to a profile that does not exist, saying so', async () => {
    const { bridge, requests } = await setup();
    const opened = await bridge.connect({
      tabId: 'ui1',
      target: { kind: 'profile', name: 'ghost' },
      cols: 80,
      rows: 24,
    });
    expect(opened.ok === false && opened.error.kind).toBe('not-found');
    expect(requests).toEqual([]);
  });

  it('checks profile calls against the contract schemas through dispatch', async () => {
    const { bridge } = await setup();
    const reply = await dispatch(bridge, 'saveProfile', [{ name: 'x', bogus: 1 }]);
    expect(reply.ok).toBe(false);
  });
});

describe('tabs.json', () => {
  it('remembers an open tab with its session, title and resume client id', async () => {
    const { bridge, tabs, tabsFile } = await setup({ tabsFile: true });
    await bridge.connect({
      tabId: 'ui1',
      target: { kind: 'quick', text: 'me@h' },
      cols: 80,
      rows: 24,
      title: 'build box',
    });
    tabs[0]?.output(Buffer.from('hello world'));
    bridge.ackOutput('ui1', 5);
    bridge.write('ui1', 'ls\r');
    await bridge.flushTabs();
    // Output goes on from where the kept screen ends (none here: from the ring's start);
    // input numbering from what the agent says it applied.
    expect((await readJson(tabsFile)).tabs).toEqual([
      {
        target: { kind: 'quick', text: 'me@h' },
        sessionId: 's-1',
        title: 'build box',
        resume: { clientId: 'abcd', received: '0', nextSeq: '1' },
      },
    ]);
  });

  it('forgets a tab the user closed, but keeps the tabs when the app goes away', async () => {
    const { bridge, tabsFile } = await setup({ tabsFile: true });
    await bridge.connect({ tabId: 'a', target: { kind: 'quick', text: 'h' }, cols: 80, rows: 24 });
    await bridge.connect({ tabId: 'b', target: { kind: 'quick', text: 'h' }, cols: 80, rows: 24 });
    await bridge.detach('a');
    await bridge.flushTabs();
    expect((await readJson(tabsFile)).tabs.map((t) => t.sessionId)).toEqual(['s-2']);
    await bridge.dispose();
    expect((await readJson(tabsFile)).tabs.map((t) => t.sessionId)).toEqual(['s-2']);
  });

  it('hands the saved tabs out once after a restart, and keeps them until re-opened', async () => {
    const { bridge, make, tabsFile } = await setup({ tabsFile: true });
    await bridge.connect({
      tabId: 'a',
      target: { kind: 'profile', name: 'gone' },
      cols: 80,
      rows: 24,
    });
    await bridge.connect({ tabId: 'b', target: { kind: 'quick', text: 'h' }, cols: 80, rows: 24 });
    await bridge.dispose();
    const next = make();
    const restored = await next.restoreTabs();
    expect(restored.ok && restored.tabs.map((t) => t.sessionId)).toEqual(['s-1']);
    expect(await next.restoreTabs()).toEqual({ ok: true, tabs: [] });
    // Not yet re-opened, and something else changed: still in the file.
    await next.connect({ tabId: 'c', target: { kind: 'quick', text: 'h' }, cols: 80, rows: 24 });
    await next.flushTabs();
    expect((await readJson(tabsFile)).tabs.map((t) => t.sessionId)).toEqual(['s-2', 's-1']);
  });

  it('re-opens a restored tab with attach and its resume snapshot', async () => {
    const { bridge, requests } = await setup({ tabsFile: true });
    const resume = { clientId: 'abcd', received: '42', nextSeq: '7' };
    await bridge.connect({
      tabId: 'r',
      target: { kind: 'quick', text: 'h' },
      cols: 80,
      rows: 24,
      attach: 's-9',
      resume,
    });
    expect(requests[0]?.attach).toBe('s-9');
    expect(requests[0]?.resume).toEqual(resume);
  });

  it('restores nothing from a file that is not a tabs file', async () => {
    const { tabsFile, dir } = await setup();
    await writeFile(tabsFile, '{"version": 99, "tabs": []}');
    const lines: string[] = [];
    expect((await readTabsFile(tabsFile, (l) => lines.push(l))).tabs).toEqual([]);
    expect(lines.join('\n')).toContain('not a tabs file');
    await writeFile(path.join(dir, 'broken.json'), '{');
    expect((await readTabsFile(path.join(dir, 'broken.json'))).tabs).toEqual([]);
  });

  it('writes one file at a time and the last change wins', async () => {
    const { dir } = await setup();
    const file = path.join(dir, 'w.json');
    let n = 0;
    const writer = new TabsFileWriter(
      file,
      () => ({
        tabs: [{ target: { kind: 'quick', text: `h${++n}` }, sessionId: 's' }],
        layouts: [],
      }),
      undefined,
      1,
    );
    writer.changed();
    await new Promise((r) => setTimeout(r, 5));
    writer.changed();
    await writer.flush();
    await new Promise((r) => setTimeout(r, 20));
    await writer.flush();
    const saved = await readJson(file);
    expect(saved.tabs[0]?.target).toEqual({ kind: 'quick', text: `h${n}` });
  });
});
