// The floor: the least a log streamer can do. Follow the given files (a stat poll every --interval ms plus
// a directory watch as a hint), and write each file's new raw bytes to every TCP client. No parsing, no
// JSON, no queues, no backpressure. Runs on node, bun and deno (node:fs, node:net).
import { closeSync, openSync, readSync, statSync, watch } from "node:fs";
import { createServer, type Socket } from "node:net";
import { dirname } from "node:path";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
const intervalMs = Number(args[0]);
const paths = args.slice(1);
const clients = new Set<Socket>();
const buffer = Buffer.allocUnsafe(1 << 20);

interface Followed {
  fd: number | undefined;
  ino: number;
  offset: number;
}
const files = paths.map((path): Followed => ({ fd: undefined, ino: -1, offset: statSize(path) }));

function statSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function drain(file: Followed): void {
  if (file.fd === undefined) return;
  for (let n = readSync(file.fd, buffer, 0, buffer.length, file.offset); n > 0; ) {
    file.offset += n;
    const bytes = Buffer.from(buffer.subarray(0, n));
    for (const client of clients) client.write(bytes);
    n = readSync(file.fd, buffer, 0, buffer.length, file.offset);
  }
}

function poll(): void {
  paths.forEach((path, i) => {
    const file = files[i] as Followed;
    let ino: number;
    try {
      ino = statSync(path).ino;
    } catch {
      return;
    }
    if (ino !== file.ino) {
      // rotated: finish the old file, then follow the new one from its start (the first time, from the end)
      drain(file);
      if (file.fd !== undefined) closeSync(file.fd);
      if (file.ino !== -1) file.offset = 0;
      file.fd = openSync(path, "r");
      file.ino = ino;
    }
    drain(file);
  });
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  clients.add(socket);
  socket.on("close", () => clients.delete(socket));
  socket.on("error", () => undefined);
});
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  const address = server.address();
  poll();
  setInterval(poll, intervalMs);
  for (const dir of new Set(paths.map((path) => dirname(path)))) watch(dir, () => poll());
  process.stderr.write(
    `floor: tcp server listening on 127.0.0.1:${typeof address === "object" && address ? address.port : 0}\nfloor: ready\n`,
  );
});
