// Desktop notifications behind one small typed module, so the rest of the UI never touches
// `Notification` (and tests hand in a stand-in). The host process shows them when it can
// (the desktop app, from Electron's main process, through the contract's `notify`); where
// it answers `unsupported` (the test host, a plain browser) the Web Notification API does,
// from then on. A click on either shows the window and comes back as `onClick(tag)`.

import type { DesktopNotice as ContractNotice } from '../../../main/contract/api';

/** Notices with the same tag replace each other (one per tab and kind). */
export type DesktopNotice = Readonly<ContractNotice>;

export type NoticePermission = 'granted' | 'denied' | 'default' | 'unsupported';

/** The part of the Web Notification API used here. */
export type NotificationApi = {
  readonly permission: string;
  requestPermission(): Promise<string>;
  new (title: string, options: { body: string; tag: string }): { onclick: unknown };
};

/** The host process's notifications: 'shown', or 'unsupported' when it has none. */
export type HostNotify = (notice: DesktopNotice) => Promise<'shown' | 'unsupported'>;

export type DesktopNotifierOptions = {
  /** Tried first; after its first `unsupported`, never again. */
  host?: HostNotify;
  /** A notice was clicked (the window is in front already). */
  onClick?: (tag: string) => void;
};

export class DesktopNotifier {
  private _asking: Promise<NoticePermission> | undefined;
  /** Whether the host process shows notices: unknown until it first answers. */
  private _hostShows: boolean | undefined;

  constructor(
    private readonly _api: NotificationApi | undefined = browserApi(),
    private readonly _opts: DesktopNotifierOptions = {},
  ) {
    if (!_opts.host) this._hostShows = false;
  }

  get permission(): NoticePermission {
    if (!this._api) return 'unsupported';
    const p = this._api.permission;
    return p === 'granted' || p === 'denied' ? p : 'default';
  }

  /** Asks once, when the user turns on something that notifies (a click, so it is allowed). */
  request(): Promise<NoticePermission> {
    if (this.permission !== 'default' || !this._api) return Promise.resolve(this.permission);
    this._asking ??= this._api.requestPermission().then(
      () => this.permission,
      () => this.permission,
    );
    return this._asking;
  }

  /** Shows it through the host when it can, else here (see `showHere`). */
  show(notice: DesktopNotice): void {
    const host = this._opts.host;
    if (!host || this._hostShows === false) return this.showHere(notice);
    void host(notice).then(
      (r) => {
        this._hostShows = r === 'shown';
        if (!this._hostShows) this.showHere(notice);
      },
      () => this.showHere(notice),
    );
  }

  /** Shows it when allowed; asks first when never asked; a refusal is respected silently. */
  showHere(notice: DesktopNotice): void {
    const api = this._api;
    if (!api) return;
    const post = (): void => {
      try {
        const shown = new api(notice.title, { body: notice.body, tag: notice.tag });
        shown.onclick = () => {
          window.focus();
          this._opts.onClick?.(notice.tag);
        };
      } catch (error) {
        console.warn(`holdfast: notification not shown: ${(error as Error).message}`);
      }
    };
    if (this.permission === 'granted') post();
    else if (this.permission === 'default')
      void this.request().then((p) => {
        if (p === 'granted') post();
      });
  }
}

function browserApi(): NotificationApi | undefined {
  const api = (globalThis as { Notification?: NotificationApi }).Notification;
  return typeof api === 'function' ? api : undefined;
}
