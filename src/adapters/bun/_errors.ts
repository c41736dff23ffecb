// Bun's errors in the port's terms, as deno/_errors.ts does for Deno: a taken address, refused TLS files.
import { AddressInUseError, type ListenOptions, TlsSetupError } from "../../core/runtime.ts";

/** Errors Bun throws at listen time carry an errno code (EADDRINUSE, EACCES, …). */
function errorCode(error: unknown): string | undefined {
  return (error as { code?: unknown } | null)?.code as string | undefined;
}

/** Why Bun.listen threw: the address is taken, the TLS files were refused (ERR_OSSL_*), or else. */
export function fromListenError(error: unknown, { host, port }: ListenOptions): unknown {
  const code = errorCode(error) ?? "";
  if (code === "EADDRINUSE") return new AddressInUseError(host, port);
  if (code.startsWith("ERR_OSSL")) return new TlsSetupError((error as Error).message);
  return error;
}
