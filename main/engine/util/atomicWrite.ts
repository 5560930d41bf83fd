/**
 * Replaces a file so that a reader (or a crash) sees the old content or the new, never a
 * mix: write a temporary file in the same folder, fsync it, rename it over the target,
 * then fsync the folder so the rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Windows refuses a rename over a file another process has open for a moment (EPERM,
 * EBUSY): an antivirus scan, or the app reading while the CLI writes. Retried this often,
 * this far apart (ms), which outlasts such a read by far.
 */
const RENAME_RETRIES = 10;
const RENAME_RETRY_MS = 20;

async function renameRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EBUSY');
      if (!transient || attempt >= RENAME_RETRIES) throw e;
      await new Promise((r) => setTimeout(r, RENAME_RETRY_MS));
    }
  }
}

/** fsync on a folder makes a rename in it durable; Windows cannot open folders (harmless). */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Not supported here (Windows, some network file systems): the rename is still atomic.
  } finally {
    await fh?.close();
  }
}

/** Writes `data` to `file` atomically, with `mode` for a new file. Throws on I/O errors. */
export async function writeFileAtomic(file: string, data: string, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(
    dir,
    `${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const fh = await open(tmp, 'wx', mode);
  try {
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await renameRetrying(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
}
