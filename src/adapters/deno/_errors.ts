// Deno's errors in the port's terms: a `code` like Node's, and a missing --allow-* flag said plainly.
import { AddressInUseError, type ListenOptions, TlsSetupError } from "../../core/runtime.ts";
import { Deno } from "./_deno-types.ts";

/**
 * A permission the process was started without (Deno.errors.NotCapable). Its code is WASI's ENOTCAPABLE,
 * not EACCES, so the core prints this message (which names the flag) instead of "permission denied".
 */
export class MissingPermissionError extends Error {
  readonly code = "ENOTCAPABLE";

  constructor(
    readonly flag: string,
    target: string,
  ) {
    super(`deno needs ${flag} for ${target} (run with ${flag})`);
    this.name = "MissingPermissionError";
    // the CLI prints a fatal error's stack: for an expected condition one line is all it needs
    this.stack = this.message;
  }
}

/** Errors of Deno's classes that carry no `code` of their own get the one Node would give. */
const CODES: ReadonlyArray<[new (...args: never[]) => Error, string]> = [
  [Deno.errors.NotFound, "ENOENT"],
  [Deno.errors.PermissionDenied, "EACCES"],
];

/** What a failed Deno call on `target` means for the core; `flag` is the permission that call needs. */
export function fromDenoError(error: unknown, flag: string, target: string): unknown {
  if (error instanceof Deno.errors.NotCapable) return new MissingPermissionError(flag, target);
  if (!(error instanceof Error) || "code" in error) return error;
  const code = CODES.find(([kind]) => error instanceof kind)?.[1];
  return code === undefined ? error : Object.assign(error, { code });
}

/**
 * Why Deno.listen(Tls) or Deno.serve threw: the address is taken, --allow-net is missing, the TLS files were
 * refused, or something else.
 */
export function fromListenError(error: unknown, { host, port, tls }: ListenOptions): unknown {
  if (error instanceof Deno.errors.AddrInUse) return new AddressInUseError(host, port);
  // Deno refuses a certificate or key with a plain Error ("keys may not be consistent: KeyMismatch",
  // "invalid peer certificate: BadEncoding"); socket and permission errors have classes of their own
  if (tls && error instanceof Error && Object.getPrototypeOf(error) === Error.prototype) {
    return new TlsSetupError(error.message);
  }
  return fromDenoError(error, "--allow-net", `${host}:${port}`);
}
