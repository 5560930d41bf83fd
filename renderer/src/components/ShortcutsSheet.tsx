// The keyboard shortcuts sheet: every action by group with all its keys as they are now
// (the user's changes included), and the way to change them.

import { ACTIONS, ACTION_NAMES } from '../../../main/contract/keys';
import { shortcutLabels } from '../terminal/shortcuts';

export function ShortcutsSheet(props: { onClose(): void; onSettings(): void }) {
  const groups = [...new Set(ACTION_NAMES.map((a) => ACTIONS[a].group))];
  return (
    <div className="modal-backdrop" onMouseDown={props.onClose}>
      <div
        className="modal shortcuts-sheet"
        role="dialog"
        aria-label="Keyboard shortcuts"
        data-dialog="shortcuts"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') props.onClose();
        }}
      >
        <h2>Keyboard shortcuts</h2>
        <p className="muted small">
          Every other key goes to the program in the terminal (Ctrl+F, Ctrl+-, Ctrl+W… are the
          shell’s).
        </p>
        <div className="sheet-groups">
          {groups.map((group) => (
            <section key={group}>
              <h3>{group}</h3>
              <dl>
                {ACTION_NAMES.filter((a) => ACTIONS[a].group === group).map((action) => (
                  <div key={action} data-action={action}>
                    <dt>{ACTIONS[action].label}</dt>
                    <dd>
                      {shortcutLabels(action).map((l) => (
                        <kbd key={l}>{l}</kbd>
                      ))}
                      {shortcutLabels(action).length === 0 && <span className="muted">—</span>}
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
        <div className="actions">
          <button onClick={props.onSettings}>Change in Settings</button>
          <button className="primary" autoFocus onClick={props.onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
