// The engine behind one loaded page of the window. Each time the page (re)loads it gets a
// fresh EngineBridge (and engine); the previous one is disposed, which detaches its tabs so
// their sessions keep running on the servers. Events of a previous page's bridge are
// dropped, never delivered to the new page (whose tab ids may be the same strings).
// No Electron here: main.ts supplies the factory and the event sink.

import type { AnyEvent, HoldfastMethods } from '../contract/api';

/** What the connection needs of an EngineBridge (main/host/engineBridge.ts). */
export type BridgeLike = HoldfastMethods & { dispose(): Promise<void> };

export type StartResult = { ok: true } | { ok: false; message: string };

export class UiConnection {
  private _bridge: BridgeLike | undefined;
  private _failure: string | undefined;
  /** Bridges being disposed (detaching their tabs), so quitting can wait for them. */
  private readonly _closing = new Set<Promise<void>>();

  /**
   * @param _create builds a bridge whose events go to `emit` (may throw: the engine did not
   *   start); `previousClosed` resolves when the bridge it replaces is disposed
   * @param _send delivers an event to the page
   */
  constructor(
    private readonly _create: (
      emit: (event: AnyEvent) => void,
      previousClosed: Promise<void>,
    ) => BridgeLike,
    private readonly _send: (event: AnyEvent) => void,
  ) {}

  /** The methods of the current page's bridge; undefined when the engine is not running. */
  get methods(): HoldfastMethods | undefined {
    return this._bridge;
  }

  /** Why the engine did not start, in words; undefined when it runs (or was never started). */
  get failure(): string | undefined {
    return this._failure;
  }

  /** A page was loaded: a fresh bridge for it; the previous one is disposed in the background. */
  start(): StartResult {
    const previous = this._bridge;
    this._bridge = undefined;
    const previousClosed = this._dispose(previous);
    let created: BridgeLike | undefined;
    const emit = (event: AnyEvent): void => {
      // Only the bridge of the page on screen may talk to it.
      if (created !== undefined && created === this._bridge) this._send(event);
    };
    try {
      created = this._create(emit, previousClosed);
    } catch (error) {
      this._failure = `The Holdfast engine could not start: ${messageOf(error)}`;
      return { ok: false, message: this._failure };
    }
    this._failure = undefined;
    this._bridge = created;
    return { ok: true };
  }

  /** The OS says the network changed: the current engine dials fresh connections. */
  networkChanged(): void {
    void this._bridge?.networkChanged();
  }

  /**
   * The page went away (closed, crashed) or the app quits: detach its tabs and stop its
   * engine. Resolves when every bridge disposed so far, this one included, is done.
   */
  async stop(): Promise<void> {
    const bridge = this._bridge;
    this._bridge = undefined;
    void this._dispose(bridge);
    await Promise.all([...this._closing]);
  }

  private _dispose(bridge: BridgeLike | undefined): Promise<void> {
    if (!bridge) return Promise.resolve();
    const done = (async () => {
      try {
        await bridge.dispose();
      } catch (error) {
        console.error(`holdfast: closing an engine failed: ${messageOf(error)}`);
      }
    })();
    this._closing.add(done);
    void done.then(() => this._closing.delete(done));
    return done;
  }
}

/** An error's message only: users and replies never get a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
