// Settings → the terminal's font: the installed monospace families to pick from (found by
// ../terminal/fonts.ts), or any CSS font list typed in.

import { useMemo, useState } from 'react';
import type { Store } from '../state/store';
import { DEFAULT_SETTINGS } from '../state/settings';
import {
  PROBE_FAMILIES,
  canListLocalFonts,
  canvasMeasure,
  familyOfSetting,
  fontSettingFor,
  listLocalMonospace,
  monospaceFamilies,
} from '../terminal/fonts';

export function FontPicker(props: { store: Store; fontFamily: string }) {
  const { store } = props;
  const [typed, setTyped] = useState(props.fontFamily);
  const measure = useMemo(() => canvasMeasure(), []);
  const probed = useMemo(
    () => (measure ? monospaceFamilies(PROBE_FAMILIES, measure, true) : []),
    [measure],
  );
  const [listed, setListed] = useState<string[] | undefined>();
  const [note, setNote] = useState<string | undefined>();
  const families = listed ?? probed;
  const chosen = familyOfSetting(props.fontFamily);

  const use = (fontFamily: string): void => {
    setTyped(fontFamily);
    store.updateSettings({ fontFamily });
  };
  const listAll = async (): Promise<void> => {
    if (!measure) return;
    const r = await listLocalMonospace(measure);
    if (r.ok) {
      setListed([...new Set([...r.families, ...probed])].sort((a, b) => a.localeCompare(b)));
      setNote(`${r.families.length} monospace font${r.families.length === 1 ? '' : 's'} installed`);
    } else setNote(r.message);
  };

  return (
    <>
      <label className="field">
        <span>Font</span>
        <select
          aria-label="Font family"
          value={chosen !== undefined && families.includes(chosen) ? chosen : ''}
          onChange={(e) => {
            if (e.target.value) use(fontSettingFor(e.target.value));
          }}
        >
          <option value="">As typed below</option>
          {families.map((f) => (
            <option key={f} value={f} style={{ fontFamily: fontSettingFor(f) }}>
              {f}
            </option>
          ))}
        </select>
      </label>
      {canListLocalFonts() && listed === undefined && (
        <button type="button" onClick={() => void listAll()}>
          List every installed font…
        </button>
      )}
      {note && (
        <p className="muted small" data-font-note>
          {note}
        </p>
      )}
      <label className="field">
        <span>Font list (CSS)</span>
        <input
          aria-label="Font list (CSS)"
          value={typed}
          spellCheck={false}
          onChange={(e) => setTyped(e.target.value)}
          onBlur={() => use(typed.trim() || DEFAULT_SETTINGS.fontFamily)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') use(typed.trim() || DEFAULT_SETTINGS.fontFamily);
          }}
        />
      </label>
    </>
  );
}
