// The part of Bun's API this adapter uses, typed by hand: no Bun type package is installed.
// https://bun.sh/docs/api/tcp

/** A TCP socket of `Bun.listen`; `data` holds whatever the adapter attaches to it. */
export interface BunSocket<Data> {
  data: Data;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Bytes the socket took (0 when its buffer is full, -1 when closed); the rest is the caller's to resend. */
  write(bytes: Uint8Array): number;
  /** Sends what the kernel holds, then closes. */
  end(): void;
  /** Closes at once, whatever is unsent. */
  terminate(): void;
  setNoDelay(noDelay: boolean): boolean;
  setKeepAlive(enable: boolean, initialDelayMs: number): boolean;
}

export interface BunSocketHandler<Data> {
  open(socket: BunSocket<Data>): void;
  data(socket: BunSocket<Data>, bytes: Uint8Array): void;
  /** The socket can take more bytes after a short write. */
  drain(socket: BunSocket<Data>): void;
  close(socket: BunSocket<Data>, error?: Error): void;
  error(socket: BunSocket<Data>, error: Error): void;
  /** With `tls`: the handshake ended (`open` came at accept, before it). */
  handshake?(socket: BunSocket<Data>, success: boolean, authorizationError: Error | null): void;
}

export interface BunTcpListener {
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}

/** PEM text of the certificate and key. */
export interface BunTlsOptions {
  cert: string;
  key: string;
}

export interface BunApi {
  readonly version: string;
  listen<Data>(options: {
    hostname: string;
    port: number;
    socket: BunSocketHandler<Data>;
    tls?: BunTlsOptions;
  }): BunTcpListener;
}

export const Bun: BunApi = (globalThis as unknown as { Bun: BunApi }).Bun;
