/**
 * Finding the log files to scan, and naming each one by its content.
 *
 * A scan's input token is the SHA-256 of the file's bytes (not its path or mtime): the same file scanned twice,
 * or copied elsewhere, is recognised and not counted again, while any new or changed file is new input.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface InputFile {
  readonly path: string;
  readonly size: number;
}

export class InputError extends Error {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InputError';
  }
}

/**
 * Expands files and folders (recursively) into a sorted list of files, so every run reads them in the same
 * order. Hidden files and folders (starting with `.`) inside folders are skipped; a path that does not exist
 * is reported through `onMissing`.
 */
export async function discoverInputs(paths: readonly string[], onMissing: (error: InputError) => void): Promise<InputFile[]> {
  const found = new Map<string, InputFile>();
  async function walk(path: string, explicit: boolean): Promise<void> {
    let info;
    try {
      info = await stat(path);
    } catch (cause) {
      onMissing(new InputError(`cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, path, { cause }));
      return;
    }
    if (info.isDirectory()) {
      const entries = (await readdir(path)).sort();
      for (const entry of entries) {
        if (entry.startsWith('.')) continue;
        await walk(join(path, entry), false);
      }
    } else if (info.isFile() || explicit) {
      found.set(resolve(path), { path, size: info.size });
    }
  }
  for (const path of paths) await walk(path, true);
  return [...found.values()];
}

/** `file:<sha256 of the bytes>`: the input token of a local file. */
export async function fileToken(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `file:${hash.digest('hex')}`;
}
