// `max_clients` and `max_clients_per_ip` of one server: a slot is taken when a client connects (a TCP client
// before it authenticates, so unauthenticated sockets count too) and given back when it hangs up.

export type ClientRefusal =
  | { readonly error: "too many clients"; readonly max_clients: number }
  | { readonly error: "too many clients from this address"; readonly max_clients_per_ip: number };

export type Admission =
  | { readonly ok: true; readonly release: () => void }
  | { readonly ok: false; readonly refusal: ClientRefusal };

/** Seconds a refused HTTP client is told to wait (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 5;

export class ClientLimits {
  /** Clients refused since start. */
  rejected = 0;
  private admitted = 0;
  private readonly perAddress = new Map<string, number>();

  /** Limits of 0 mean no limit. */
  constructor(
    private maxClients: number,
    private maxClientsPerIp: number,
  ) {}

  /** A reload's new limits, for the clients that connect from now on: those connected keep their slot. */
  reconfigure(maxClients: number, maxClientsPerIp: number): void {
    this.maxClients = maxClients;
    this.maxClientsPerIp = maxClientsPerIp;
  }

  admit(remoteAddress: string): Admission {
    const address = canonicalAddress(remoteAddress);
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (this.maxClients > 0 && this.admitted >= this.maxClients) {
      return this.refuse({ error: "too many clients", max_clients: this.maxClients });
    }
    if (this.maxClientsPerIp > 0 && fromAddress >= this.maxClientsPerIp) {
      return this.refuse({
        error: "too many clients from this address",
        max_clients_per_ip: this.maxClientsPerIp,
      });
    }
    this.admitted++;
    this.perAddress.set(address, fromAddress + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.admitted--;
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
      },
    };
  }

  /** Clients holding a slot now. */
  get active(): number {
    return this.admitted;
  }

  /** Distinct addresses holding a slot now (the map never outgrows the clients connected). */
  get addresses(): number {
    return this.perAddress.size;
  }

  private refuse(refusal: ClientRefusal): Admission {
    this.rejected++;
    return { ok: false, refusal };
  }
}

/** An IPv4 client seen through a dual-stack socket (`::ffff:10.0.0.1`) is the same address as `10.0.0.1`. */
export function canonicalAddress(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
}
