// Where the state lives and who may use it. The state directory (`[state] dir`, else the platform's place
// for state) holds one subdirectory per instance, named after what the instance follows (a hash of its
// resolved targets), so two instances with different targets never share one. A lock file in it, created
// exclusively and naming its owner's pid and start time, keeps a second instance with the same targets
// out; a lock whose owner is gone (a crash, a reboot) is taken over.

import type { Config } from "../config/schema.ts";
import type { FsError, Runtime } from "../runtime.ts";
import { fnv1a } from "../tail/fingerprint.ts";
import { asFsError } from "../tail/tailer.ts";

/** The state as saved by logwisp before the journal (format 1): read once, then replaced by the journal. */
export const STATE_FILE_NAME = "state.jsonl";
/** The state: a log of saves (state-journal.ts). */
export const STATE_JOURNAL_NAME = "state.journal";
/** The journal before it, kept while the ring still holds entries only it has (state-keeper.ts). */
export const PREVIOUS_JOURNAL_NAME = "state.journal.1";
export const LOCK_FILE_NAME = "lock";

type StateRuntime = Pick<
  Runtime,
  "name" | "fs" | "env" | "homeDir" | "resolvePath" | "joinPath" | "pid" | "isProcessAlive" | "lockFile"
>;

/** A second instance on state that a running one holds: the CLI says so and exits 2. */
export class StateLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly startedAt: string,
  ) {
    super(
      `the state directory ${dir} is in use by another logwisp (pid ${pid}, started ${startedAt}); stop it, or give this one another --state-dir (or --state=false)`,
    );
    this.name = "StateLockedError";
  }
}

/** The state directory from the config, else $XDG_STATE_HOME/logwisp, else ~/.local/state/logwisp; undefined when off. */
export function stateBaseDir(runtime: StateRuntime, config: Config): string | undefined {
  if (!config.state.enabled) return undefined;
  if (config.state.dir !== undefined) return runtime.resolvePath(config.state.dir);
  const xdg = runtime.env.XDG_STATE_HOME;
  // the XDG spec: a relative value is invalid and ignored
  if (xdg?.startsWith("/")) return runtime.joinPath(xdg, "logwisp");
  if (runtime.homeDir === undefined) return undefined;
  return runtime.joinPath(runtime.homeDir, ".local", "state", "logwisp");
}

/** The instance's subdirectory name: a short hash of what it follows (resolved paths, patterns). */
export function instanceName(
  runtime: Pick<Runtime, "resolvePath">,
  targets: Config["monitor"]["targets"],
): string {
  const described = targets
    .map((t) => [runtime.resolvePath(t.path), t.pattern, t.is_file ?? null])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])));
  const hash = fnv1a(new TextEncoder().encode(JSON.stringify(described)));
  return `targets-${hash.toString(16).padStart(8, "0")}`;
}

interface LockOwner {
  readonly pid: number;
  readonly started_at: string;
  readonly runtime?: string;
}

/** How long a probe waits for the advisory lock of a lock file (see Runtime.lockFile). */
const LOCK_PROBE_MS = 200;

/** An instance's directory, locked for this process. */
export class StateDir {
  private constructor(
    private readonly runtime: StateRuntime,
    /** The instance's directory (base dir / instance name). */
    readonly dir: string,
    readonly base: string,
    readonly instance: string,
  ) {}

  /** The format-1 state file of an earlier logwisp (see STATE_FILE_NAME). */
  get stateFile(): string {
    return this.runtime.joinPath(this.dir, STATE_FILE_NAME);
  }

  get journalFile(): string {
    return this.runtime.joinPath(this.dir, STATE_JOURNAL_NAME);
  }

  get previousJournalFile(): string {
    return this.runtime.joinPath(this.dir, PREVIOUS_JOURNAL_NAME);
  }

  /**
   * Creates the directory and takes its lock. Throws StateLockedError when a live process holds it, and an
   * FsError when the directory cannot be made or written (the caller goes on without state).
   */
  static async open(
    runtime: StateRuntime,
    base: string,
    instance: string,
    startedAtMs: number,
    log: (line: string) => void,
  ): Promise<StateDir> {
    const dir = runtime.joinPath(base, instance);
    await runtime.fs.makeDir(dir);
    const state = new StateDir(runtime, dir, base, instance);
    await state.lock(startedAtMs, log);
    return state;
  }

  private async lock(startedAtMs: number, log: (line: string) => void): Promise<void> {
    const { fs } = this.runtime;
    const path = this.runtime.joinPath(this.dir, LOCK_FILE_NAME);
    const mine = JSON.stringify({
      pid: this.runtime.pid,
      started_at: new Date(startedAtMs).toISOString(),
      runtime: this.runtime.name,
    });
    // twice at most: a stale lock is removed once and the create tried again (a racing start wins or loses here)
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await fs.createExclusive(path, mine)) {
        // where the pid cannot be checked, the advisory lock says whether this process still runs
        await this.runtime.lockFile?.(path, LOCK_PROBE_MS);
        return;
      }
      let owner = await this.readOwner(path);
      // created but not yet written by an instance starting at this very moment: give it a moment
      if (owner === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        owner = await this.readOwner(path);
      }
      if (owner !== undefined && (await this.isAlive(path, owner)))
        throw new StateLockedError(this.dir, owner.pid, owner.started_at);
      log(
        `taking over the state in ${this.dir}: its lock names ${owner ? `pid ${owner.pid} (started ${owner.started_at}), which is gone` : "no readable owner"}`,
      );
      await fs.remove(path);
    }
    const owner = await this.readOwner(path);
    throw new StateLockedError(this.dir, owner?.pid ?? 0, owner?.started_at ?? "unknown");
  }

  /** Whether the lock's owner still runs; when that cannot be told, it is taken to (refusing is safe). */
  private async isAlive(path: string, owner: LockOwner): Promise<boolean> {
    if (owner.pid === this.runtime.pid) return false;
    const alive = this.runtime.isProcessAlive(owner.pid);
    if (alive !== undefined) return alive;
    // only an owner that took the advisory lock (a runtime with lockFile) can be told dead by it
    if (this.runtime.lockFile === undefined || owner.runtime !== this.runtime.name) return true;
    return !(await this.runtime.lockFile(path, LOCK_PROBE_MS));
  }

  private async readOwner(path: string): Promise<LockOwner | undefined> {
    try {
      const owner = JSON.parse(await this.runtime.fs.readText(path)) as Partial<LockOwner>;
      if (typeof owner.pid !== "number") return undefined;
      return { pid: owner.pid, started_at: String(owner.started_at), runtime: owner.runtime };
    } catch {
      return undefined;
    }
  }

  /** Lets the lock go (at a clean stop, after the last save). */
  async unlock(): Promise<void> {
    await this.runtime.fs.remove(this.runtime.joinPath(this.dir, LOCK_FILE_NAME)).catch(() => undefined);
  }
}

/** An FsError's text for a warning: the code and what the runtime said. */
export function describeFsError(cause: unknown): string {
  const { code, message }: FsError = asFsError(cause);
  return message.includes(code) ? message : `${code}: ${message}`;
}
