// tabs.json in the config folder: the tabs the host process had open, so a restarted app
// re-attaches each where it was (`restoreTabs` in the contract). It holds only what
// changes with the tabs' structure: target, session, title and resume client id; the
// screen each tab last showed and the offset it ends at are kept apart, per tab
// (./screenFiles.ts), so output flowing never rewrites this file. Written atomically (a
// crash leaves the old file or the new, never half of one), at most `delayMs` after a
// change and only when its content differs, one write at a time. A file that is not
// ours (unreadable, another shape) restores nothing. Split tabs are kept beside the tabs
// as layouts whose leaves index `tabs`; a file without them (written before panes) loads
// as tabs of one pane each.

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../engine/util/atomicWrite';
import { RestorableLayout, RestorableTab, MAX_LAYOUTS } from '../contract/api';
import { leaves } from '../contract/paneLayout';

/** The tabs file's name inside the config folder. */
export const TABS_FILE = 'tabs.json';
export const TABS_FILE_VERSION = 1;

/**
 * Longest a change waits before it is on disk (ms): a burst of changes (a window of tabs
 * restored at once) is one write, and a SIGKILL loses at most this much.
 */
export const TABS_SAVE_DELAY_MS = 250;

/** A tab as tabs.json keeps it: its screen lives in its own file. */
export const SavedTab = RestorableTab.omit({ screen: true });
export type SavedTab = z.infer<typeof SavedTab>;

/** What tabs.json holds: the tabs, and the split ones among them (leaves index `tabs`). */
export type SavedTabs = { tabs: SavedTab[]; layouts: RestorableLayout[] };

const NONE: SavedTabs = { tabs: [], layouts: [] };

const TabsFileSchema = z
  .object({
    version: z.literal(TABS_FILE_VERSION),
    tabs: z.array(SavedTab),
    layouts: z.array(RestorableLayout).max(MAX_LAYOUTS).optional(),
  })
  .refine(
    (f) => (f.layouts ?? []).every((l) => leaves(l.tree).every((i) => i < f.tabs.length)),
    'a layout names a tab the file does not have',
  );

/** The tabs saved in `file`; none when it is missing or not a tabs file of this version. */
export async function readTabsFile(
  file: string,
  log: (line: string) => void = () => undefined,
): Promise<SavedTabs> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      log(`tabs: cannot read ${file}: ${(error as Error).message}; no tabs restored`);
    }
    return NONE;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    log(`tabs: ${file} is not JSON; no tabs restored`);
    return NONE;
  }
  const parsed = TabsFileSchema.safeParse(json);
  if (!parsed.success) {
    log(`tabs: ${file} is not a tabs file of version ${TABS_FILE_VERSION}; no tabs restored`);
    return NONE;
  }
  return { tabs: parsed.data.tabs, layouts: parsed.data.layouts ?? [] };
}

/**
 * Keeps `file` up to date with what `collect` says: `changed()` schedules a look within
 * `delayMs`, which writes only if the content differs from the last written; writes
 * never overlap, and a change during a write is looked at right after it.
 */
export class TabsFileWriter {
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _writing: Promise<void> | undefined;
  private _again = false;
  private _stopped = false;
  /** The body last written (or found unchanged), to skip writing the same again. */
  private _written: string | undefined;
  /** How many times the file was written (for tests and logs). */
  writes = 0;

  constructor(
    readonly file: string,
    private readonly _collect: () => SavedTabs,
    private readonly _log: (line: string) => void = () => undefined,
    private readonly _delayMs = TABS_SAVE_DELAY_MS,
    /** Awaited before each write (the bridge: the file was read first). */
    private readonly _before: () => Promise<unknown> = () => Promise.resolve(),
  ) {}

  /** Something that tabs.json may hold changed. */
  changed(): void {
    if (this._stopped || this._timer !== undefined) return;
    this._timer = setTimeout(() => {
      this._timer = undefined;
      void this._write();
    }, this._delayMs);
    this._timer.unref?.();
  }

  /** Writes now if anything changed (and waits for it); later changes are not written. */
  async stop(): Promise<void> {
    if (this._stopped) return;
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
    await this._write();
    this._stopped = true;
  }

  /** Resolves once everything changed so far is on disk. */
  async flush(): Promise<void> {
    if (this._timer !== undefined) {
      clearTimeout(this._timer);
      this._timer = undefined;
      await this._write();
    }
    while (this._writing) await this._writing;
  }

  private async _write(): Promise<void> {
    if (this._stopped) return;
    if (this._writing) {
      this._again = true;
      return this._writing;
    }
    this._writing = (async () => {
      await this._before().catch(() => undefined);
      do {
        this._again = false;
        const { tabs, layouts } = this._collect();
        // Without split tabs the file is as it was before panes.
        const content = {
          version: TABS_FILE_VERSION,
          tabs,
          ...(layouts.length ? { layouts } : {}),
        };
        const body = `${JSON.stringify(content, null, 2)}\n`;
        if (body === this._written) continue;
        try {
          await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
          await writeFileAtomic(this.file, body);
          this._written = body;
          this.writes++;
        } catch (error) {
          this._log(`tabs: cannot write ${this.file}: ${(error as Error).message}`);
        }
      } while (this._again);
    })();
    try {
      await this._writing;
    } finally {
      this._writing = undefined;
    }
  }
}
