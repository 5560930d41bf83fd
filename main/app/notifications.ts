// Desktop notifications from the main process: the page asks through the contract's
// `notify` (validated at the IPC boundary like every call), this shows them with
// Electron's Notification and, on a click, focuses the window and tells the page which
// notice it was (`notificationClicked`), so the page shows that tab. Electron is handed
// in as the small part used here, so unit tests use a stand-in (Electron's binary is not
// needed to run them).

import type { DesktopNotice } from '../contract/api';

/** The part of an Electron Notification used here. */
export type NotificationLike = {
  show(): void;
  close(): void;
  on(event: 'click' | 'close', listener: () => void): unknown;
};

/** The part of Electron's Notification class used here. */
export type NotificationClass = {
  isSupported(): boolean;
  new (options: { title: string; body: string }): NotificationLike;
};

/**
 * Notices kept alive at once. Electron drops a notification's click handler once the
 * object is garbage-collected, so each is held until closed or replaced; past this many
 * (nobody reads 32 notices) the oldest is closed.
 */
export const MAX_OPEN_NOTIFICATIONS = 32;

export class MainNotifications {
  /** Open notices by tag, oldest first. */
  private readonly _open = new Map<string, NotificationLike>();

  constructor(
    private readonly _api: NotificationClass,
    /** The user clicked the notice with this tag: focus the window, tell the page. */
    private readonly _clicked: (tag: string) => void,
  ) {}

  /** Shows it, replacing an open one with the same tag; false when the desktop has none. */
  show(notice: DesktopNotice): boolean {
    if (!this._api.isSupported()) return false;
    this._close(notice.tag);
    const shown = new this._api({ title: notice.title, body: notice.body });
    shown.on('click', () => {
      this._forget(notice.tag, shown);
      this._clicked(notice.tag);
    });
    shown.on('close', () => this._forget(notice.tag, shown));
    this._open.set(notice.tag, shown);
    while (this._open.size > MAX_OPEN_NOTIFICATIONS) {
      const oldest = this._open.keys().next().value;
      if (oldest === undefined) break;
      this._close(oldest);
    }
    shown.show();
    return true;
  }

  /** How many notices are held open (for tests and logs). */
  get openCount(): number {
    return this._open.size;
  }

  private _close(tag: string): void {
    const open = this._open.get(tag);
    this._open.delete(tag);
    open?.close();
  }

  private _forget(tag: string, which: NotificationLike): void {
    if (this._open.get(tag) === which) this._open.delete(tag);
  }
}
