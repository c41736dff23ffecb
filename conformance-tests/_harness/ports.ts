// Free and occupied ports on the loopback interface.
import { createServer, type Server } from "node:net";
import { onCleanup } from "./cleanup.ts";

/** Listens on 127.0.0.1:0 until the case ends; the port is then certainly in use. */
export async function occupyPort(): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("occupyPort: no TCP address");
  return address.port;
}

/** A port that was free a moment ago (bind 0, read it, release it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("freePort: no TCP address");
  return address.port;
}

/** Whether this machine can bind `host` at all (an IPv6 loopback is missing in some containers). */
export async function canListenOn(host: string): Promise<boolean> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, host, () => resolve(true));
  });
  if (bound) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}
