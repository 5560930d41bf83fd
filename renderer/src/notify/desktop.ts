// Desktop notifications through the Web Notification API, behind one small typed module so
// the rest of the UI never touches `Notification` (and tests hand in a stand-in). In the
// Electron app the same API is used; Electron shows the notification from its main process.

export type DesktopNotice = {
  readonly title: string;
  readonly body: string;
  /** Notices with the same tag replace each other (one per tab and kind). */
  readonly tag: string;
};

export type NoticePermission = 'granted' | 'denied' | 'default' | 'unsupported';

/** The part of the Web Notification API used here. */
export type NotificationApi = {
  readonly permission: string;
  requestPermission(): Promise<string>;
  new (title: string, options: { body: string; tag: string }): unknown;
};

export class DesktopNotifier {
  private _asking: Promise<NoticePermission> | undefined;

  constructor(private readonly _api: NotificationApi | undefined = browserApi()) {}

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

  /** Shows it when allowed; asks first when never asked; a refusal is respected silently. */
  show(notice: DesktopNotice): void {
    const api = this._api;
    if (!api) return;
    const post = (): void => {
      try {
        new api(notice.title, { body: notice.body, tag: notice.tag });
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
