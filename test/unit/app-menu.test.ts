// What these prove: the application menu (main/app/menu.ts) has each platform's standard
// menus — the app menu and stock Edit/Window menus on macOS — and New Tab, Close Tab, Next
// and Previous Tab everywhere, each running its action (main.ts sends it as the contract's
// `menuCommand`) and showing the renderer's own shortcut without taking the key from the
// page; on Linux and Windows no menu accelerator takes a key the shell needs (Ctrl+C,
// Ctrl+R, Ctrl+W, Ctrl+M...), since the toolkit would steal it before the terminal sees it;
// and every menu action is one the contract's `menuCommand` can carry.

import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import {
  acceleratorOf,
  buildMenuTemplate,
  chordFor,
  type MenuAction,
  type Platform,
} from '../../main/app/menu';
import { MenuAction as MenuActionSchema } from '../../main/contract/api';

type Item = MenuItemConstructorOptions;

const TAB_ACTIONS: MenuAction[] = ['new-tab', 'close-tab', 'next-tab', 'previous-tab'];
const ALL_ACTIONS: MenuAction[] = [...MenuActionSchema.options];

function template(platform: Platform, ran: MenuAction[] = []): Item[] {
  return buildMenuTemplate({
    platform,
    appName: 'Holdfast',
    isDev: false,
    run: (a) => ran.push(a),
  });
}

function flatten(items: Item[]): Item[] {
  return items.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? flatten(item.submenu as Item[]) : []),
  ]);
}

/** Electron's default accelerators of roles on Linux and Windows (docs: MenuItem roles). */
const ROLE_DEFAULTS: Record<string, string> = {
  undo: 'Ctrl+Z',
  redo: 'Ctrl+Y',
  cut: 'Ctrl+X',
  copy: 'Ctrl+C',
  paste: 'Ctrl+V',
  pasteAndMatchStyle: 'Ctrl+Shift+V',
  selectAll: 'Ctrl+A',
  reload: 'Ctrl+R',
  forceReload: 'Ctrl+Shift+R',
  toggleDevTools: 'Ctrl+Shift+I',
  resetZoom: 'Ctrl+0',
  zoomIn: 'Ctrl+Plus',
  zoomOut: 'Ctrl+-',
  togglefullscreen: 'F11',
  minimize: 'Ctrl+M',
  close: 'Ctrl+W',
  quit: 'Ctrl+Q',
};

/** The accelerator an item registers with the toolkit, if any. */
function registered(item: Item): string | undefined {
  if (item.registerAccelerator === false) return undefined;
  return item.accelerator ?? (item.role ? ROLE_DEFAULTS[item.role] : undefined);
}

/** Invokes an item's click as Electron would. */
function click(item: Item): void {
  (item.click as (() => void) | undefined)?.();
}

describe('the macOS menu', () => {
  const items = template('darwin');
  const roles = items.map((i) => i.role);

  it('starts with the app menu and has the stock Edit and Window menus', () => {
    expect(items[0]?.role).toBe('appMenu');
    expect(roles).toContain('editMenu');
    expect(roles).toContain('windowMenu');
  });

  it('keeps the stock copy, paste and select-all items (Cmd keys are not the shell’s)', () => {
    const edit = items.find((i) => i.role === 'editMenu')?.submenu as Item[];
    expect(edit.map((i) => i.role)).toEqual(
      expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']),
    );
  });
});

describe.each(['linux', 'win32', 'darwin'] as Platform[])('the %s menu', (platform) => {
  it('has New Tab, Close Tab, Next and Previous Tab, each sending its action', () => {
    const ran: MenuAction[] = [];
    const all = flatten(template(platform, ran));
    for (const label of ['New Tab', 'Close Tab', 'Show Next Tab', 'Show Previous Tab']) {
      const item = all.find((i) => i.label === label);
      expect(item, label).toBeDefined();
      click(item!);
    }
    expect(ran).toEqual(TAB_ACTIONS);
  });

  it('shows the renderer’s shortcut on each action but leaves the key to the page', () => {
    const ran: MenuAction[] = [];
    for (const item of flatten(template(platform, ran))) {
      if (!item.click || item.role) continue;
      const before = ran.length;
      click(item);
      const action = ran[before];
      if (!action) continue; // not an action item (e.g. Minimize)
      expect(item.registerAccelerator, item.label).toBe(false);
      const chord = chordFor(action, platform);
      expect(item.accelerator, item.label).toBe(chord ? acceleratorOf(chord) : undefined);
    }
    // Copy and paste are stock roles (they act on the focused element); on macOS so is
    // select all. Every other action is an item.
    const roles: MenuAction[] = [
      'copy',
      'paste',
      ...(platform === 'darwin' ? ['select-all' as const] : []),
    ];
    expect(new Set(ran)).toEqual(new Set(ALL_ACTIONS.filter((a) => !roles.includes(a))));
  });

  it('has zoom in, zoom out and actual size in the View menu', () => {
    const view = template(platform).find((i) => i.label === 'View')?.submenu as Item[];
    expect(view.map((i) => i.label)).toEqual(
      expect.arrayContaining(['Zoom In', 'Zoom Out', 'Actual Size']),
    );
  });
});

describe.each(['linux', 'win32'] as Platform[])('on %s', (platform) => {
  const all = flatten(template(platform));

  it('uses no stock submenu role (they bind Ctrl+C, Ctrl+R, Ctrl+W, Ctrl+M)', () => {
    for (const role of ['editMenu', 'viewMenu', 'windowMenu', 'fileMenu', 'appMenu']) {
      expect(
        all.some((i) => i.role === role),
        role,
      ).toBe(false);
    }
  });

  it('registers no accelerator a shell needs: no Ctrl+key without Shift, no Alt+key', () => {
    const taken = all.map(registered).filter((a): a is string => a !== undefined);
    expect(taken.length).toBeGreaterThan(0); // e.g. quit and full screen
    for (const accelerator of taken) {
      const parts = accelerator.split('+');
      const ctrl = parts.some((p) => /^(Ctrl|Control|CmdOrCtrl|CommandOrControl)$/.test(p));
      const alt = parts.some((p) => /^(Alt|Option)$/.test(p));
      expect(ctrl && !parts.includes('Shift'), accelerator).toBe(false);
      expect(alt, accelerator).toBe(false);
    }
  });

  it('quits with Ctrl+Shift+Q (Ctrl+Q is XON in a shell)', () => {
    expect(all.find((i) => i.role === 'quit')?.accelerator).toBe('Ctrl+Shift+Q');
  });
});

describe('chords', () => {
  const accel = (action: MenuAction, platform: Platform) => {
    const chord = chordFor(action, platform);
    return chord ? acceleratorOf(chord) : undefined;
  };

  it('are written in Electron accelerator syntax', () => {
    expect(accel('new-tab', 'linux')).toBe('Ctrl+Shift+T');
    expect(accel('new-tab', 'darwin')).toBe('Cmd+T');
    expect(accel('next-tab', 'darwin')).toBe('Cmd+Shift+]');
    expect(accel('previous-tab', 'win32')).toBe('Ctrl+Shift+Tab');
    expect(accel('find', 'linux')).toBe('Ctrl+Shift+F');
    expect(accel('zoom-out', 'linux')).toBe('Ctrl+numsub');
    expect(accel('zoom-out', 'darwin')).toBe('Cmd+-');
    expect(accel('rename-tab', 'linux')).toBeUndefined();
  });

  it('are the keys the renderer maps to the same actions (main/contract/keys.ts)', async () => {
    const { actionFor, resolveBindings } = await import('../../main/contract/keys');
    for (const platform of ['linux', 'win32', 'darwin'] as Platform[]) {
      const keys = resolveBindings({}, platform === 'darwin');
      for (const action of ALL_ACTIONS) {
        const chord = chordFor(action, platform);
        if (!chord) continue;
        const event = {
          key: chord.key.length === 1 ? chord.key.toLowerCase() : chord.key,
          ctrlKey: chord.ctrl,
          shiftKey: chord.shift,
          altKey: chord.alt,
          metaKey: chord.meta,
        };
        expect(actionFor(keys, event), `${platform} ${action}`).toBe(action);
      }
    }
  });
});

describe('the user’s shortcuts (setMenuKeys)', () => {
  const find = (platform: Platform, keys: Record<string, string[]>) =>
    flatten(
      buildMenuTemplate({ platform, appName: 'Holdfast', isDev: false, run: () => {}, keys }),
    ).find((i) => i.label === 'Find…');

  it('show on the menu item instead of the default', () => {
    expect(find('linux', { find: ['Ctrl+Shift+G'] })?.accelerator).toBe('Ctrl+Shift+G');
    expect(find('linux', {})?.accelerator).toBe('Ctrl+Shift+F');
  });

  it('free the default on macOS, where the menu answers to its accelerator', () => {
    // Find moved to ⌘G: ⌘F must no longer reach the item when the page leaves it.
    expect(find('darwin', { find: ['Cmd+G'] })?.accelerator).toBe('Cmd+G');
    expect(find('darwin', { find: [] })?.accelerator).toBeUndefined();
  });

  it('reach the host process through the bridge', async () => {
    const { EngineBridge } = await import('../../main/host/engineBridge');
    const seen: unknown[] = [];
    const bridge = new EngineBridge({
      createEngine: () => ({
        openTab: () => {
          throw new Error('not here');
        },
        listSessions: async () => ({ ok: true, value: [] }),
        killSession: async () => ({ ok: true }),
        renameSession: async () => ({ ok: true }),
        networkChanged: () => {},
      }),
      emit: () => {},
      openExternal: () => {},
      onMenuKeys: (keys) => seen.push(keys),
    });
    expect(bridge.setMenuKeys({ find: ['Ctrl+Shift+G'] })).toEqual({ ok: true });
    expect(seen).toEqual([{ find: ['Ctrl+Shift+G'] }]);
  });
});
