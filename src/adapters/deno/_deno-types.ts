// The subset of the Deno namespace this adapter uses (https://docs.deno.com/api/deno/), declared here
// because no Deno type package is installed; the shapes follow Deno 2's lib.deno.ns.d.ts.

export interface DenoFileInfo {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  /** These four are null on Windows. */
  readonly isFifo: boolean | null;
  readonly isSocket: boolean | null;
  readonly isCharDevice: boolean | null;
  readonly isBlockDevice: boolean | null;
  readonly size: number;
  readonly mtime: Date | null;
  /** null on Windows; set on Linux and macOS. */
  readonly dev: number | null;
  readonly ino: number | null;
}

export interface DenoFsFile {
  read(buffer: Uint8Array): Promise<number | null>;
  /** May write fewer bytes than given; resolves with how many. */
  write(bytes: Uint8Array): Promise<number>;
  /** fsync(2): the data and metadata reach the disk. */
  sync(): Promise<void>;
  /** fdatasync(2): the data (and the size) reach the disk. */
  syncData(): Promise<void>;
  /** flock(2): resolves once the lock is granted (it waits while another process holds it). */
  lock(exclusive?: boolean): Promise<void>;
  seek(offset: number, whence: DenoSeekMode): Promise<number>;
  readSync(buffer: Uint8Array): number | null;
  seekSync(offset: number, whence: DenoSeekMode): number;
  stat(): Promise<DenoFileInfo>;
  close(): void;
}

/** Deno.SeekMode.Start */
export type DenoSeekMode = 0;

export interface DenoNetAddr {
  readonly transport: "tcp" | "udp";
  readonly hostname: string;
  readonly port: number;
}

export interface DenoConn {
  readonly remoteAddr: DenoNetAddr;
  read(buffer: Uint8Array): Promise<number | null>;
  /** May write fewer bytes than given; resolves with how many went out. */
  write(bytes: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  /** Absent on a TLS connection (Deno.TlsConn). */
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
  /** Only on a TLS connection: completes the handshake (else done lazily by the first read or write). */
  handshake?(): Promise<unknown>;
  close(): void;
}

export interface DenoListener {
  readonly addr: DenoNetAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}

/** What Deno.serve's handler is told besides the request. */
export interface DenoServeHandlerInfo {
  readonly remoteAddr: DenoNetAddr;
  /** Settles when the response was sent or the exchange ended early (the client went away). */
  readonly completed: Promise<void>;
}

export type DenoServeHandler = (request: Request, info: DenoServeHandlerInfo) => Response | Promise<Response>;

/** Deno.serve's HTTP server on one connection. */
export interface DenoConnectionServer {
  /** Settles when the connection is over; rejects on a server error. */
  readonly finished: Promise<void>;
  /** Lets the response in flight finish, then closes. */
  shutdown(): Promise<void>;
}

/**
 * `Deno[Deno.internal]`: what Deno's own modules share, outside its public API. `serveHttpOnConnection` is
 * Deno.serve's server (hyper) on a connection the caller accepted; `signal` aborting closes it at once.
 */
export interface DenoInternals {
  readonly serveHttpOnConnection?: (
    conn: DenoConn,
    signal: AbortSignal,
    handler: DenoServeHandler,
    onError: (error: unknown) => Response,
    onListen: () => void,
  ) => DenoConnectionServer;
}

export interface DenoFsEvent {
  readonly kind: string;
  readonly paths: string[];
}

export interface DenoFsWatcher extends AsyncIterable<DenoFsEvent> {
  close(): void;
}

export type DenoSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

type ErrorClass = new (...args: never[]) => Error;

export interface DenoApi {
  readonly version: { readonly deno: string };
  readonly errors: {
    readonly NotFound: ErrorClass;
    readonly PermissionDenied: ErrorClass;
    readonly NotCapable: ErrorClass;
    readonly AddrInUse: ErrorClass;
    readonly AlreadyExists: ErrorClass;
    readonly BadResource: ErrorClass;
    readonly Interrupted: ErrorClass;
  };
  readonly env: {
    toObject(): Record<string, string>;
  };
  readonly stdout: { writeSync(bytes: Uint8Array): number };
  readonly stderr: { writeSync(bytes: Uint8Array): number };
  cwd(): string;
  hostname(): string;
  exit(code: number): never;
  stat(path: string): Promise<DenoFileInfo>;
  open(
    path: string,
    options:
      | { read: true; write?: boolean }
      | { write: true; append?: boolean; create?: boolean; createNew?: boolean; truncate?: boolean },
  ): Promise<DenoFsFile>;
  rename(from: string, to: string): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  remove(path: string): Promise<void>;
  statSync(path: string): DenoFileInfo;
  readonly pid: number;
  readDir(path: string): AsyncIterable<{ readonly name: string }>;
  readTextFile(path: string): Promise<string>;
  realPath(path: string): Promise<string>;
  listen(options: { hostname: string; port: number; transport: "tcp" }): DenoListener;
  listenTls(options: { hostname: string; port: number; cert: string; key: string }): DenoListener;
  /** The key of Deno's internals (see DenoInternals). */
  readonly internal: symbol;
  /** Synchronous, for /proc/self/limits (read once at start). */
  readTextFileSync(path: string): string;
  readonly permissions: {
    querySync(descriptor: { name: "read"; path: string }): {
      readonly state: "granted" | "denied" | "prompt";
    };
  };
  watchFs(path: string, options: { recursive: boolean }): DenoFsWatcher;
  addSignalListener(signal: DenoSignal, handler: () => void): void;
}

/** The Deno global; only ever called when `globalThis.Deno` exists (src/cli.ts checks). */
export const Deno: DenoApi = (globalThis as unknown as { Deno: DenoApi }).Deno;
