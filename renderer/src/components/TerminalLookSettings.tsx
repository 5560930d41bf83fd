// Settings → Terminal: colour scheme (a dozen built in, or imported from an iTerm2
// .itermcolors or a Windows Terminal scheme), cursor style and blink, line height and
// scrollback length. Changes apply to every open terminal at once.

import { useRef, useState } from 'react';
import type { Store } from '../state/store';
import {
  LINE_HEIGHT_MAX,
  LINE_HEIGHT_MIN,
  MAX_CUSTOM_SCHEMES,
  SCROLLBACK_MAX,
  clampLineHeight,
  clampScrollback,
  type CursorStyle,
  type Settings,
} from '../state/settings';
import { AUTO_SCHEME, BUILT_IN_SCHEMES } from '../terminal/schemes';
import { MAX_SCHEME_FILE_BYTES, importSchemes } from '../terminal/schemeImport';
import { RTT_ON_MS, type PredictMode } from '../../../main/common/predict/echoPredictor';

const PREDICT: [PredictMode, string][] = [
  ['auto', 'On a slow link'],
  ['always', 'Always'],
  ['never', 'Never'],
];

const CURSORS: [CursorStyle, string][] = [
  ['block', 'Block'],
  ['underline', 'Underline'],
  ['bar', 'Bar'],
];

export function TerminalLookSettings(props: { store: Store; settings: Settings }) {
  const { store, settings } = props;
  const set = (patch: Partial<Settings>): void => store.updateSettings(patch);
  const file = useRef<HTMLInputElement>(null);
  const [importNote, setImportNote] = useState<{ ok: boolean; text: string } | undefined>();
  const [scrollback, setScrollback] = useState(String(settings.scrollback));
  const custom = settings.colorScheme.startsWith('custom:');

  const onFile = async (chosen: File | undefined): Promise<void> => {
    if (!chosen) return;
    if (chosen.size > MAX_SCHEME_FILE_BYTES) {
      setImportNote({
        ok: false,
        text: `${chosen.name} is larger than 1 MiB: not a colour scheme`,
      });
      return;
    }
    const result = importSchemes(chosen.name, await chosen.text());
    if (!result.ok) {
      setImportNote({ ok: false, text: result.message });
      return;
    }
    const names = new Set(result.schemes.map((s) => s.name));
    // A scheme imported again replaces the one of the same name.
    const kept = settings.customSchemes.filter((s) => !names.has(s.name));
    const all = [...kept, ...result.schemes].slice(-MAX_CUSTOM_SCHEMES);
    set({ customSchemes: all, colorScheme: `custom:${result.schemes[0]?.name ?? ''}` });
    setImportNote({
      ok: true,
      text: `Imported ${result.schemes.map((s) => `“${s.name}”`).join(', ')}`,
    });
  };

  return (
    <fieldset data-section="terminal-look">
      <legend>Terminal</legend>
      <label className="field">
        <span>Colour scheme</span>
        <select
          aria-label="Colour scheme"
          value={settings.colorScheme}
          onChange={(e) => set({ colorScheme: e.target.value })}
        >
          <option value={AUTO_SCHEME}>Holdfast (follows the theme)</option>
          <optgroup label="Built in">
            {Object.entries(BUILT_IN_SCHEMES).map(([id, s]) => (
              <option key={id} value={id}>
                {s.name}
              </option>
            ))}
          </optgroup>
          {settings.customSchemes.length > 0 && (
            <optgroup label="Imported">
              {settings.customSchemes.map((s) => (
                <option key={s.name} value={`custom:${s.name}`}>
                  {s.name}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      <div className="field-row">
        <button onClick={() => file.current?.click()}>Import scheme…</button>
        {custom && (
          <button
            onClick={() =>
              set({
                customSchemes: settings.customSchemes.filter(
                  (s) => `custom:${s.name}` !== settings.colorScheme,
                ),
                colorScheme: AUTO_SCHEME,
              })
            }
          >
            Remove this scheme
          </button>
        )}
        <input
          ref={file}
          type="file"
          hidden
          aria-label="Scheme file"
          accept=".itermcolors,.json,application/json"
          onChange={(e) => {
            void onFile(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
      </div>
      <p className="muted small">iTerm2 .itermcolors, or a Windows Terminal scheme (JSON).</p>
      {importNote && (
        <p className={importNote.ok ? 'muted small' : 'field-error small'} role="status">
          {importNote.text}
        </p>
      )}
      <div className="field inline">
        <span>Cursor</span>
        <div className="segmented" role="radiogroup" aria-label="Cursor style">
          {CURSORS.map(([value, label]) => (
            <button
              key={value}
              role="radio"
              aria-checked={settings.cursorStyle === value}
              className={settings.cursorStyle === value ? 'on' : ''}
              onClick={() => set({ cursorStyle: value })}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={settings.cursorBlink}
          onChange={(e) => set({ cursorBlink: e.target.checked })}
        />
        Blinking cursor
      </label>
      <label className="field inline">
        <span>Line height</span>
        <input
          type="number"
          min={LINE_HEIGHT_MIN}
          max={LINE_HEIGHT_MAX}
          step={0.05}
          value={settings.lineHeight}
          onChange={(e) => {
            const n = Number(e.target.value);
            if (Number.isFinite(n) && n > 0) set({ lineHeight: clampLineHeight(n) });
          }}
        />
      </label>
      <label className="field inline">
        <span>Scrollback (lines)</span>
        <input
          type="number"
          min={0}
          max={SCROLLBACK_MAX}
          step={1000}
          value={scrollback}
          onChange={(e) => setScrollback(e.target.value)}
          onBlur={() => {
            const n = Number(scrollback);
            const lines = Number.isFinite(n) ? clampScrollback(n) : settings.scrollback;
            setScrollback(String(lines));
            set({ scrollback: lines });
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
          }}
        />
      </label>
      <p className="muted small">
        Up to {SCROLLBACK_MAX.toLocaleString('en')} lines; the server keeps its own ring of output
        for reconnects either way.
      </p>
      <div className="field inline">
        <span>Local echo</span>
        <div className="segmented" role="radiogroup" aria-label="Local echo">
          {PREDICT.map(([value, label]) => (
            <button
              key={value}
              role="radio"
              aria-checked={settings.predictEcho === value}
              className={settings.predictEcho === value ? 'on' : ''}
              onClick={() => set({ predictEcho: value })}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      <p className="muted small">
        Shows what you type before the server echoes it (underlined until it does), when the echo
        takes longer than {RTT_ON_MS} ms. Never while a program hides what you type (passwords); the
        session's output is never changed.
      </p>
    </fieldset>
  );
}
