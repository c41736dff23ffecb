// File operations a log writer or logrotate performs, inside one test directory.
import { appendFile, type FileHandle, mkdir, open, rename, rm, truncate, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { onCleanup } from "./cleanup.ts";

/** An application that keeps its log open (O_APPEND) across renames, as a real writer does. */
export interface LogWriter {
  write(text: string | Uint8Array): Promise<void>;
  writeLines(lines: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export class LogDir {
  constructor(readonly path: string) {}

  /** Absolute path of a name inside the dir. */
  file(name: string): string {
    return join(this.path, name);
  }

  /** Appends raw text or bytes (no newline added): a partial line stays partial. */
  async append(name: string, content: string | Uint8Array): Promise<void> {
    await mkdir(dirname(this.file(name)), { recursive: true });
    await appendFile(this.file(name), content);
  }

  /** Appends each line followed by `\n`, in one write. */
  appendLines(name: string, lines: readonly string[]): Promise<void> {
    return this.append(name, lines.map((line) => `${line}\n`).join(""));
  }

  /** Creates or replaces the file with exactly this content. */
  async write(name: string, content: string | Uint8Array): Promise<void> {
    await mkdir(dirname(this.file(name)), { recursive: true });
    await writeFile(this.file(name), content);
  }

  rename(from: string, to: string): Promise<void> {
    return rename(this.file(from), this.file(to));
  }

  truncate(name: string, length = 0): Promise<void> {
    return truncate(this.file(name), length);
  }

  remove(name: string): Promise<void> {
    return rm(this.file(name), { force: true, recursive: true });
  }

  async mkdir(name: string): Promise<string> {
    await mkdir(this.file(name), { recursive: true });
    return this.file(name);
  }

  /** Opens the file for appending and keeps the descriptor, like a logging application. */
  async openWriter(name: string): Promise<LogWriter> {
    const handle: FileHandle = await open(this.file(name), "a");
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    onCleanup(close);
    const write = async (content: string | Uint8Array): Promise<void> => {
      await handle.write(typeof content === "string" ? Buffer.from(content) : content);
    };
    return {
      write,
      writeLines: (lines) => write(lines.map((line) => `${line}\n`).join("")),
      close,
    };
  }
}
