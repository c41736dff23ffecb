// The Runtime port: the only contract between the core and the adapters (src/adapters/<runtime>/).
// It is small and byte-oriented on purpose: every line of logic that is not a runtime call lives in the core.
import type { NatsConnector } from "./nats-port.ts";

export type RuntimeName = "node" | "bun" | "deno";

/** The signals logwisp acts on: SIGINT and SIGTERM stop it, SIGHUP reloads its config. */
export type RuntimeSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** What is at a path. Only a regular file is ever opened; the kinds after it are named in the error. */
export type FileKind =
  | "file"
  | "directory"
  | "fifo"
  | "socket"
  | "character-device"
  | "block-device"
  | "other";

export interface FileStat {
  /** Device id; with `ino`, what says two paths are the same file. */
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly kind: FileKind;
}

/** An open file, read at explicit positions so one handle survives a rename of its path. */
export interface FileHandle {
  /** Reads up to `buffer.length` bytes at `position`; resolves with the number of bytes read (0 at EOF). */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /**
   * The same read done on the calling thread, without a round trip to the runtime's I/O threads; throws
   * what `read` rejects with. Where a runtime has it; the core uses it only for bytes just written to a file
   * on a local filesystem (see tail/direct-reads.ts), as it blocks every client while it waits.
   */
  readNow?(buffer: Uint8Array, position: number): number;
  /** Stat of the open file (fstat), which still answers after the path was renamed or deleted. */
  stat(): Promise<FileStat>;
  close(): Promise<void>;
}

/** Errors from the file system carry a code the core can act on (ENOENT, EACCES, …). */
export interface FsError {
  readonly code: string;
  readonly message: string;
}

export interface FileSystem {
  /** Stat following symlinks; `undefined` when nothing is at the path. Other errors reject with an FsError. */
  stat(path: string): Promise<FileStat | undefined>;
  open(path: string): Promise<FileHandle>;
  /** Names (not paths) of the entries in a directory. */
  readDir(path: string): Promise<string[]>;
  /** Whole file as UTF-8 text; used for config files. */
  readText(path: string): Promise<string>;
  /**
   * The canonical absolute path, every symlink resolved (realpath(3)); `undefined` when nothing is at the
   * path (or a link in it dangles). Other errors reject with an FsError.
   */
  realPath(path: string): Promise<string | undefined>;
  /**
   * Replaces the file at `path` with `bytes` atomically: written to a temporary file beside it, flushed to
   * the disk (fsync), then renamed over it, so a reader (or a crash) sees the old file or the new one, never
   * half of one. Rejects with an FsError (ENOSPC, EROFS, EACCES …); the temporary file is then removed.
   */
  writeFileAtomic(path: string, bytes: Uint8Array): Promise<void>;
  /**
   * Appends `bytes` to the file at `path` (created when missing) and flushes them to the disk (fdatasync)
   * before resolving. A crash may leave only part of them at the file's end: the caller must be able to
   * tell (a length or checksum). Rejects with an FsError (ENOSPC, EROFS, EACCES …).
   */
  appendAndSync(path: string, bytes: Uint8Array): Promise<void>;
  /**
   * Renames a file, replacing what is at `to` in one step (rename(2): a reader or a crash sees the old name
   * or the new one). Rejects with an FsError.
   */
  rename(from: string, to: string): Promise<void>;
  /** Creates a file that must not exist yet (O_EXCL) holding `text`; false when something is already there. */
  createExclusive(path: string, text: string): Promise<boolean>;
  /** Creates a directory and its missing parents; nothing when it exists. */
  makeDir(path: string): Promise<void>;
  /** Removes a file; nothing when it is not there. */
  remove(path: string): Promise<void>;
}

/**
 * A watch hint (a wake-up, never the source of truth): the path that changed, and `"modify"` when the
 * runtime says only its content changed (written, truncated; node:fs `change`, Deno `modify`), not its name
 * (created, renamed, deleted). The monitor may answer a content change by reading on from the open file
 * without a stat of the path. It answers how long (ms) it needs no further hint: a poll is due by then
 * anyway. A watcher that can hold its events (Deno: not pulling the next one) may wait that long before
 * handing on the next, so a file written every millisecond does not wake the process for each `write(2)`.
 */
export type WatchHint = (path: string, kind?: "modify") => number;

export interface Watcher {
  close(): Promise<void>;
}

export interface TcpConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /**
   * Queues bytes on the socket. Resolves when the runtime can take more (node's `drain`, Bun's `drain`
   * handler, Deno's `conn.write` promise); rejects or resolves after the connection closed.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Called once when the peer hangs up or the connection fails. */
  onClose(listener: () => void): void;
  /** Data sent by the client; logwisp ignores it but must read it so the socket is not stalled. */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Its stream started: the connection is no longer half-open (see ConnectionGate). */
  settle(): void;
  close(): void;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
  /**
   * A new certificate and key for the connections accepted from now on; those open keep theirs (certificate
   * rotation). Throws TlsSetupError when the runtime refuses the pair. Absent where the runtime cannot swap
   * them on a listening server: the core then rebinds the server.
   */
  updateTls?(tls: { readonly cert: string; readonly key: string }): void;
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /**
   * Serve over TLS with this PEM certificate (chain) and private key, both as text. A connection reaches
   * the core only once its handshake is done; one that fails it, or has not finished it within
   * TLS_HANDSHAKE_TIMEOUT_MS, is closed by the adapter, and close() ends those still shaking hands too.
   */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  /** Asked about every accepted connection; without it, every connection is let in. */
  readonly gate?: ConnectionGate | undefined;
}

/**
 * Connections before they are clients. The adapter asks `admit` about each connection it accepts, before
 * reading a byte of it (with TLS: before the handshake); `undefined` means refused, and the adapter closes it
 * at once. An admitted connection is half-open until the adapter calls `settle()` (HTTP: its first whole
 * request reached the handler; TCP: the core's session started, through TcpConnection.settle), and the
 * adapter calls `release()` once it closed. `close` is how the core may close it later to make room.
 */
export interface ConnectionGate {
  admit(remoteAddress: string, close: () => void): AdmittedConnection | undefined;
  /** Accepting failed for want of descriptors (EMFILE, ENFILE): said once per episode, counted. */
  outOfDescriptors(): void;
}

export interface AdmittedConnection {
  settle(): void;
  release(): void;
}

/**
 * How long an HTTP client may take to send a request's headers, from the moment it connected (or its previous
 * response ended); a connection that has not sent them by then is closed. Node's default is 60 s; a client
 * sends them in milliseconds, and a header trickled in a line at a time must not hold a descriptor for a minute.
 */
export const HTTP_HEADERS_TIMEOUT_MS = 10_000;

/** How long a TLS client may take over its handshake (a plain-text or silent client is closed after it). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** TCP keep-alive's first probe after this long idle, so a peer that vanished (no FIN) is found. */
export const TCP_KEEPALIVE_MS = 30_000;

/** How long a connection the server closed waits for the peer's FIN before it is dropped (a non-reader never sends one). */
export const HANG_UP_GRACE_MS = 1000;

/** Raised by listenTcp / serveHttp when the runtime refuses the certificate or key (not a pair, bad PEM). */
export class TlsSetupError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "TlsSetupError";
  }
}

export type FetchHandler = (request: Request, info: FetchInfo) => Response | Promise<Response>;

/** What the adapter tells the fetch handler about a request besides the Request itself. */
export interface FetchInfo {
  readonly remoteAddress: string;
  /**
   * Offered by an adapter that writes a long body (an SSE stream) straight to its connection, without a web
   * ReadableStream: the handler hands it the body here, and answers a Response with the status and headers
   * and no body; the adapter then writes those headers and the body's chunks, one at a time. It returns
   * how to hang up: the connection is closed at once, whatever it still holds discarded. Without it (Deno,
   * tests) the handler answers a ReadableStream body instead.
   */
  readonly pipeBody?: (<C extends BodyChunk>(body: PulledBody<C>) => () => void) | undefined;
}

/** One chunk of a pulled body: its bytes, and whatever the body wants back when they were written. */
export interface BodyChunk {
  readonly bytes: Uint8Array;
}

/**
 * A response body produced chunk by chunk, pulled by the adapter (see FetchInfo.pipeBody).
 * Backpressure: next() is called again only once the connection took the previous chunk.
 */
export interface PulledBody<C extends BodyChunk = BodyChunk> {
  /** The next chunk, once there is one; undefined when the body is over (the adapter then ends the response). */
  next(): Promise<C | undefined>;
  /** The chunk was written and the connection can take more. */
  written(chunk: C): void;
  /**
   * The exchange is over: the body ended, the client went away, or a write failed. Called once at least,
   * perhaps more, and unbound (it may be a listener itself, saving each stream a closure).
   */
  readonly closed: () => void;
}

/** Raised by listenTcp / serveHttp when the address is taken, so the CLI can print one clear line. */
export class AddressInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`address ${host}:${port} is already in use`);
    this.name = "AddressInUseError";
  }
}

export interface Runtime {
  readonly name: RuntimeName;
  readonly version: string;
  readonly fs: FileSystem;
  /** Environment variables, read once at start. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The user's home directory, if the runtime knows it. */
  readonly homeDir: string | undefined;
  /** Absolute path from `path` relative to `base` (default: cwd). */
  resolvePath(path: string, base?: string): string;
  joinPath(...parts: string[]): string;
  basename(path: string): string;
  dirname(path: string): string;
  listenTcp(options: ListenOptions, onConnection: (connection: TcpConnection) => void): Promise<Listener>;
  serveHttp(handler: FetchHandler, options: ListenOptions): Promise<Listener>;
  /**
   * The process's soft limit on open descriptors (`ulimit -n`), if the runtime can tell; connections are
   * kept below it (see descriptor-budget.ts).
   */
  descriptorLimit?(): number | undefined;
  /** Watch a directory (non-recursive) or a file; optional: polling alone is correct, only slower. */
  watch?(path: string, onHint: WatchHint): Watcher;
  /** This process's id (named in the state directory's lock). */
  readonly pid: number;
  /**
   * Whether a process with this id runs now (a lock whose owner is gone is stale); undefined when the
   * runtime may not tell (Deno reads /proc only with --allow-all, and signals only with --allow-run).
   */
  isProcessAlive(pid: number): boolean | undefined;
  /**
   * Optional, for where isProcessAlive may not answer: takes an advisory lock (flock) on the file, held
   * until the process ends (the kernel lets it go however it ends); false when another process holds it
   * (it was not granted within `waitMs`).
   */
  lockFile?(path: string, waitMs: number): Promise<boolean>;
  /** The machine's host name (the default of `[monitor] hostname`). */
  hostName(): string;
  /**
   * The NATS client, loaded on this call only (a dynamic import), so a run without `[nats]` never loads it.
   * Rejects when the client cannot be loaded.
   */
  loadNats(): Promise<NatsConnector>;
  /** Calls `listener` on SIGINT / SIGTERM (stop) and SIGHUP (reload the config). */
  onSignal(listener: (signal: RuntimeSignal) => void): void;
  /** Diagnostics for operators (logwisp's own log), on stderr. */
  log(line: string): void;
  /** Process stdout, for --help, --version and --print-config. */
  print(text: string): void;
  exit(code: number): never;
}
