// Settings → Keyboard: every action with its shortcuts; add one by pressing it, remove one,
// reset an action or all. A chord another action has is refused with its name; a chord a
// program uses (Ctrl+F, Alt+B...) is taken, with a warning saying what the program loses.

import { useEffect, useState } from 'react';
import {
  ACTIONS,
  ACTION_NAMES,
  chordLabel,
  chordOfEvent,
  chordText,
  parseChord,
  type Action,
} from '../../../main/contract/keys';
import type { Store } from '../state/store';
import type { Settings } from '../state/settings';
import { IS_MAC, currentKeys } from '../terminal/shortcuts';

export function KeysSettings(props: { store: Store; settings: Settings }) {
  const { store, settings } = props;
  const [capturing, setCapturing] = useState<Action | undefined>();
  const [refusal, setRefusal] = useState<{ action: Action; message: string } | undefined>();
  const keys = currentKeys();
  const overrides = settings.keybindings;

  const setChords = (action: Action, chords: string[] | undefined): void => {
    const next: Record<string, readonly string[]> = { ...overrides };
    if (chords === undefined) delete next[action];
    else next[action] = chords;
    store.updateSettings({ keybindings: next });
  };
  const textsOf = (action: Action): string[] => keys.chords[action].map(chordText);

  useEffect(() => {
    if (!capturing) return;
    // Ahead of the window's own shortcut handler: the chord pressed here runs nothing.
    const onKey = (e: KeyboardEvent): void => {
      e.preventDefault();
      e.stopPropagation();
      if (e.key === 'Escape' && !e.ctrlKey && !e.altKey && !e.metaKey) {
        setCapturing(undefined);
        return;
      }
      const chord = chordOfEvent(e);
      if (!chord) return; // a modifier alone: wait for the key
      const parsed = parseChord(chordText(chord));
      if (!parsed.ok) {
        setRefusal({ action: capturing, message: parsed.message });
        return;
      }
      const holder = keys.byChord.get(chordText(chord));
      setCapturing(undefined);
      if (holder !== undefined && holder !== capturing) {
        setRefusal({
          action: capturing,
          message: `${chordLabel(chord, IS_MAC)} is already “${ACTIONS[holder].label}”: remove it there first`,
        });
        return;
      }
      setRefusal(undefined);
      if (holder !== capturing) setChords(capturing, [...textsOf(capturing), chordText(chord)]);
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  });

  const problems = new Map<Action | undefined, string[]>();
  for (const p of keys.problems)
    problems.set(p.action, [...(problems.get(p.action) ?? []), p.message]);

  return (
    <fieldset className="keys-settings" data-section="keys">
      <legend>Keyboard shortcuts</legend>
      <p className="muted small">
        Keys not listed here go to the program in the terminal.
        {Object.keys(overrides).length > 0 && (
          <>
            {' '}
            <button
              className="link-button"
              onClick={() => store.updateSettings({ keybindings: {} })}
            >
              Reset all
            </button>
          </>
        )}
      </p>
      {problems.get(undefined)?.map((m) => (
        <p key={m} className="field-error small">
          {m}
        </p>
      ))}
      <ul className="keys-list">
        {ACTION_NAMES.map((action) => (
          <li key={action} data-action={action}>
            <span className="keys-label">{ACTIONS[action].label}</span>
            <span className="keys-chords">
              {keys.chords[action].map((chord) => (
                <span key={chordText(chord)} className="kbd-chip">
                  <kbd>{chordLabel(chord, IS_MAC)}</kbd>
                  <button
                    className="icon small"
                    aria-label={`Remove ${chordLabel(chord, IS_MAC)} from ${ACTIONS[action].label}`}
                    onClick={() =>
                      setChords(
                        action,
                        textsOf(action).filter((t) => t !== chordText(chord)),
                      )
                    }
                  >
                    ×
                  </button>
                </span>
              ))}
              {capturing === action ? (
                <span className="kbd-capture" role="status">
                  Press the keys… (Esc cancels)
                </span>
              ) : (
                <button
                  className="small"
                  aria-label={`Add a shortcut to ${ACTIONS[action].label}`}
                  onClick={() => {
                    setRefusal(undefined);
                    setCapturing(action);
                  }}
                >
                  +
                </button>
              )}
              {overrides[action] !== undefined && (
                <button className="link-button small" onClick={() => setChords(action, undefined)}>
                  Default
                </button>
              )}
            </span>
            {refusal?.action === action && (
              <span className="field-error small" role="alert">
                {refusal.message}
              </span>
            )}
            {problems.get(action)?.map((m) => (
              <span key={m} className="keys-warning small">
                {m}
              </span>
            ))}
          </li>
        ))}
      </ul>
    </fieldset>
  );
}
