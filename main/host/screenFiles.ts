// The kept screens of the open tabs (`keepScreen`), one file per tab in a folder beside
// tabs.json, named by the tab's resume client id: what a restarted app paints before the
// output goes on from the screen's offset. A file per tab, so a screen is written only
// when that tab's renderer sends a new one (it does so when output pauses, and at most
// every few seconds while it flows: renderer/src/state/screenSchedule.ts), never with the
// others; atomically, one write per file at a time, the latest screen winning.

import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { Offset, SCREEN_MAX_CHARS } from '../contract/api';
import { writeFileAtomic } from '../engine/util/atomicWrite';

/** The folder of kept screens, beside tabs.json in the config folder. */
export const SCREENS_DIR = 'tab-screens';
export const SCREEN_FILE_VERSION = 1;

/** A terminal as xterm serialized it once it had shown the output before `offset`. */
export type KeptScreen = { offset: string; data: string };

const ScreenFileSchema = z.object({
  version: z.literal(SCREEN_FILE_VERSION),
  offset: Offset,
  data: z.string().max(SCREEN_MAX_CHARS),
});

/** Client ids are hex (the contract's ResumeSnapshot): safe as file names as they are. */
const CLIENT_ID = /^[0-9a-f]{2,64}$/;

export class ScreenFiles {
  /** Per client id: the write under way, and the screen to write after it. */
  private readonly _writing = new Map<string, Promise<void>>();
  private readonly _next = new Map<string, KeptScreen | 'remove'>();

  constructor(
    readonly dir: string,
    private readonly _log: (line: string) => void = () => undefined,
  ) {}

  /** The kept screen of a tab, or undefined (none, unreadable, or not ours). */
  async read(clientId: string): Promise<KeptScreen | undefined> {
    if (!CLIENT_ID.test(clientId)) return undefined;
    let text: string;
    try {
      text = await readFile(this._file(clientId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this._log(`screens: cannot read ${this._file(clientId)}: ${(error as Error).message}`);
      }
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = ScreenFileSchema.safeParse(json);
    if (!parsed.success) {
      this._log(`screens: ${this._file(clientId)} is not a screen file; its tab replays instead`);
      return undefined;
    }
    return { offset: parsed.data.offset, data: parsed.data.data };
  }

  /** Keeps `screen` for the tab (soon: writes queue per tab and only the latest is written). */
  save(clientId: string, screen: KeptScreen): Promise<void> {
    return this._queue(clientId, screen);
  }

  /** Forgets the tab's screen (the user closed the tab). */
  remove(clientId: string): Promise<void> {
    return this._queue(clientId, 'remove');
  }

  /** Removes every kept screen but those of `keep` (tabs no longer remembered). */
  async prune(keep: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const stale = names
      .map((name) => /^([0-9a-f]{2,64})\.json$/.exec(name)?.[1])
      .filter((id): id is string => id !== undefined && !keep.has(id) && !this._writing.has(id));
    await Promise.all(stale.map((id) => this.remove(id)));
  }

  /** Resolves once every write and removal asked for so far is done. */
  async flush(): Promise<void> {
    while (this._writing.size > 0) await Promise.all([...this._writing.values()]);
  }

  private _queue(clientId: string, next: KeptScreen | 'remove'): Promise<void> {
    if (!CLIENT_ID.test(clientId)) return Promise.resolve();
    this._next.set(clientId, next);
    const running = this._writing.get(clientId);
    if (running) return running;
    const run = (async () => {
      for (let job = this._next.get(clientId); job !== undefined; job = this._next.get(clientId)) {
        this._next.delete(clientId);
        await this._apply(clientId, job);
      }
    })().finally(() => this._writing.delete(clientId));
    this._writing.set(clientId, run);
    return run;
  }

  private async _apply(clientId: string, job: KeptScreen | 'remove'): Promise<void> {
    const file = this._file(clientId);
    try {
      if (job === 'remove') {
        await rm(file, { force: true });
        return;
      }
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const body = { version: SCREEN_FILE_VERSION, offset: job.offset, data: job.data };
      await writeFileAtomic(file, JSON.stringify(body));
    } catch (error) {
      this._log(
        `screens: cannot ${job === 'remove' ? 'remove' : 'write'} ${file}: ${(error as Error).message}`,
      );
    }
  }

  private _file(clientId: string): string {
    return path.join(this.dir, `${clientId}.json`);
  }
}
