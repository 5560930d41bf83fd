// Font, size, theme, zoom, clipboard, close behaviour, shortcuts and renderer. Changes apply
// at once.

import { NotifyAfterField, NotifyPatternsField } from '../notify/PatternsField';
import type { Store } from '../state/store';
import {
  FONT_SIZE_MAX,
  FONT_SIZE_MIN,
  clampFontSize,
  stepZoom,
  type Settings,
  type ThemeChoice,
} from '../state/settings';
import type { GpuChoice } from '../terminal/gpu';
import { withShortcut } from '../terminal/shortcuts';
import { KeysSettings } from './KeysSettings';
import { TerminalLookSettings } from './TerminalLookSettings';
import { FontPicker } from './FontPicker';

const GPU_CHOICES: [GpuChoice, string][] = [
  ['auto', 'Auto'],
  ['on', 'On'],
  ['off', 'Off'],
];

export function SettingsPanel(props: {
  store: Store;
  settings: Settings;
  rendererNote: string | undefined;
  onClose(): void;
}) {
  const { store, settings } = props;
  const set = (patch: Partial<Settings>): void => store.updateSettings(patch);
  return (
    <aside className="drawer" aria-label="Settings" data-panel="settings">
      <div className="drawer-head">
        <h2>Settings</h2>
        <button className="icon" aria-label="Close settings" onClick={props.onClose}>
          ×
        </button>
      </div>
      <fieldset>
        <legend>Appearance</legend>
        <div className="segmented" role="radiogroup" aria-label="Theme">
          {(['system', 'light', 'dark'] as ThemeChoice[]).map((t) => (
            <button
              key={t}
              role="radio"
              aria-checked={settings.theme === t}
              className={settings.theme === t ? 'on' : ''}
              onClick={() => set({ theme: t })}
            >
              {t[0]?.toUpperCase() + t.slice(1)}
            </button>
          ))}
        </div>
        <FontPicker store={store} fontFamily={settings.fontFamily} />
        <label className="field inline">
          <span>Font size</span>
          <input
            type="number"
            min={FONT_SIZE_MIN}
            max={FONT_SIZE_MAX}
            value={settings.fontSize}
            onChange={(e) => {
              const n = Number(e.target.value);
              if (Number.isFinite(n) && n > 0) set({ fontSize: clampFontSize(n) });
            }}
          />
        </label>
        <div className="field inline">
          <span>Zoom</span>
          <div className="stepper">
            <button
              aria-label="Zoom out"
              title={withShortcut('Zoom out', 'zoom-out')}
              onClick={() => set({ zoom: stepZoom(settings.zoom, -1) })}
            >
              −
            </button>
            <button
              className="zoom-value"
              title={withShortcut('Reset', 'zoom-reset')}
              onClick={() => set({ zoom: 1 })}
            >
              {Math.round(settings.zoom * 100)} %
            </button>
            <button
              aria-label="Zoom in"
              title={withShortcut('Zoom in', 'zoom-in')}
              onClick={() => set({ zoom: stepZoom(settings.zoom, 1) })}
            >
              +
            </button>
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>Behaviour</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={settings.allowOsc52Write}
            onChange={(e) => set({ allowOsc52Write: e.target.checked })}
          />
          Let programs set the clipboard (OSC 52)
        </label>
        <p className="muted small">
          Off by default: a remote program could put a command in your clipboard for you to paste.
        </p>
        <label className="check">
          <input
            type="checkbox"
            checked={settings.closeAction === 'ask'}
            onChange={(e) => set({ closeAction: e.target.checked ? 'ask' : 'detach' })}
          />
          Ask whether to detach or end a session when closing its tab
        </label>
        <NotifyPatternsField store={store} patterns={settings.notifyPatterns} />
        <NotifyAfterField store={store} seconds={settings.notifyCommandAfterSeconds} />
        <p className="muted small">
          Command ends are known in shells with Holdfast’s shell integration (right-click in a
          terminal, or the command palette: “Install shell integration”).
        </p>
      </fieldset>
      <TerminalLookSettings store={store} settings={settings} />
      <KeysSettings store={store} settings={settings} />
      <fieldset>
        <legend>Rendering</legend>
        <div className="field inline">
          <span>GPU acceleration</span>
          <div className="segmented" role="radiogroup" aria-label="GPU acceleration">
            {GPU_CHOICES.map(([value, label]) => (
              <button
                key={value}
                role="radio"
                aria-checked={settings.gpuAcceleration === value}
                className={settings.gpuAcceleration === value ? 'on' : ''}
                onClick={() => set({ gpuAcceleration: value })}
              >
                {label}
              </button>
            ))}
          </div>
        </div>
        <p className="muted small">
          Auto draws with WebGL on a GPU and with the DOM where WebGL would be drawn by the CPU (no
          GPU, a VM or remote desktop), which is faster there.
        </p>
        {props.rendererNote && (
          <p className="muted small" data-renderer-note>
            Terminal renderer: {props.rendererNote}
          </p>
        )}
      </fieldset>
    </aside>
  );
}
