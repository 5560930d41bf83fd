// One way to offer events, for every room (xterm.js's common/EventEmitter.ts and
// Lifecycle.ts): an object keeps a private Emitter and exposes its `event` as a public
// readonly `onX`; subscribing returns a Disposable, and what an object subscribed to is
// disposed with it (a DisposableStore). Pure: no Node, no DOM.

/** Something to let go of: a subscription, a timer, a child object. */
export interface Disposable {
  dispose(): void;
}

/** Subscribes `listener`; the returned Disposable unsubscribes it. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> {
  private _listeners: ((value: T) => void)[] = [];
  private _disposed = false;

  /** Subscribing after `dispose()` is allowed and does nothing. */
  readonly event: Event<T> = (listener) => {
    if (this._disposed) return { dispose() {} };
    this._listeners.push(listener);
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        const at = this._listeners.indexOf(listener);
        if (at >= 0) this._listeners.splice(at, 1);
      },
    };
  };

  /** Calls every listener subscribed now; one unsubscribed meanwhile is still called. */
  fire(value: T): void {
    for (const listener of [...this._listeners]) listener(value);
  }

  get hasListeners(): boolean {
    return this._listeners.length > 0;
  }

  /** Drops every listener; later `fire`s reach nobody. */
  dispose(): void {
    this._disposed = true;
    this._listeners = [];
  }
}

/** Disposables that go together, with their owner. */
export class DisposableStore implements Disposable {
  private _items: Disposable[] = [];
  private _disposed = false;

  /** Keeps `item` until `dispose()`; added after that, it is disposed at once. */
  add<D extends Disposable>(item: D): D {
    if (this._disposed) item.dispose();
    else this._items.push(item);
    return item;
  }

  dispose(): void {
    this._disposed = true;
    const items = this._items;
    this._items = [];
    for (const item of items) item.dispose();
  }
}
