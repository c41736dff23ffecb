// Where a restarted publisher continues a file: after the stream's newest message of the file's subject, when
// that message came from this very file (same device, inode and first bytes), so a restart doubles nothing.
import type { NatsLink, NatsMessage } from "../nats-port.ts";
import type { FileHandle, FileStat } from "../runtime.ts";
import { fnv1a } from "../tail/fingerprint.ts";
import { parseBatchOrigin } from "../wire/nats-batch.ts";

/** The offset to continue `opened` at, or undefined (not connected, nothing stored, another file). */
export async function resumeOffset(
  link: NatsLink | undefined,
  stream: string,
  subject: string,
  handle: FileHandle,
  opened: FileStat,
): Promise<number | undefined> {
  if (link === undefined || link.state !== "connected") return undefined;
  let last: NatsMessage | undefined;
  try {
    last = await link.lastBySubject(stream, subject);
  } catch {
    return undefined;
  }
  const origin = last === undefined ? undefined : parseBatchOrigin(last.headers);
  if (origin === undefined || origin.file.dev !== opened.dev || origin.file.ino !== opened.ino)
    return undefined;
  if (origin.end > opened.size || origin.file.prefixLength > opened.size) return undefined;
  const prefix = new Uint8Array(origin.file.prefixLength);
  for (let read = 0; read < prefix.length; ) {
    const n = await handle.read(prefix.subarray(read), read);
    if (n === 0) return undefined;
    read += n;
  }
  return fnv1a(prefix) === origin.file.prefixHash ? origin.end : undefined;
}
