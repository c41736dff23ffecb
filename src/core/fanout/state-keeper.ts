// The state that outlives the process, for one run: opened (locked, loaded, the ring and its ids restored)
// before anything is read, saved at most every checkpoint_interval_ms while positions move and once more at
// a clean stop. A save appends to the state journal what the ring got since the last save, with the
// checkpoints (state-journal.ts); the journal is written afresh, whole, at the run's first save and after a
// failed save, and started anew beside the one before it (state.journal.1) once it has grown past the ring.
// A save that fails (full or read-only disk) is said once and counted; streaming goes on.

import type { Config } from "../config/schema.ts";
import type { Runtime } from "../runtime.ts";
import type { Checkpoints } from "../tail/resume.ts";
import type { FilePosition } from "../tail/tailer.ts";
import { CheckpointStore, type PublishedPositions } from "./checkpoints.ts";
import type { EarlierRun, Hub } from "./hub.ts";
import type { ReplayRing } from "./replay.ts";
import { describeFsError, instanceName, StateDir, StateLockedError, stateBaseDir } from "./state-dir.ts";
import { decodeState, type SavedState } from "./state-file.ts";
import { decodeJournal, encodeRecord } from "./state-journal.ts";

type KeeperRuntime = Pick<
  Runtime,
  | "name"
  | "fs"
  | "env"
  | "homeDir"
  | "resolvePath"
  | "joinPath"
  | "pid"
  | "isProcessAlive"
  | "lockFile"
  | "log"
>;

const encoder = new TextEncoder();

/** A journal smaller than this is not started anew, whatever the ring holds (few entries, or replay off). */
export const MIN_ROTATION_BYTES = 256 * 1024;

/**
 * The journal is started anew once it is past what the ring holds: the one before it (renamed
 * state.journal.1, replacing the one before that) and the new one hold the ring together, about twice the
 * ring on the disk. Nothing is written twice: a rewrite of the whole ring would pause the stream for its
 * encoding (7–21 ms with 10,000 entries) every other second when the ring turns over each second.
 */
function rotationBound(ring: ReplayRing): number {
  return Math.max(MIN_ROTATION_BYTES, ring.bytes + ring.size);
}

export interface StateStatus {
  enabled: boolean;
  dir: string | null;
  instance: string | null;
  /** Why the state is not in use or not saved (unset while all is well). */
  error: string | null;
  last_saved_at: string | null;
  writes: number;
  write_failures: number;
  /** The synchronous part of the last save (the ring and checkpoints copied and encoded), in ms. */
  last_save_pause_ms: number | null;
  ring_saved_entries: number;
  ring_loaded_entries: number;
  /** What the last run left: "clean" (a stop), "crash" (saved while running), or "none". */
  resumed_from: "clean" | "crash" | "none";
}

export class StateKeeper implements PublishedPositions {
  readonly checkpoints: CheckpointStore;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> = Promise.resolve();
  private lastSaveAtMs = 0;
  private savedVersion = -1;
  private writes = 0;
  private failures = 0;
  private lastSaveMs: number | undefined;
  private ringSaved = 0;
  /** Bytes of the journal as written by this run; undefined until its first save or after a failed one. */
  private journalBytes: number | undefined;
  /** The seq after the newest entry the journal holds: the next save appends the entries from there. */
  private savedNextSeq = 0;
  /**
   * The seq of the journal's first entry: once the ring's oldest is past it, the journal holds all the ring
   * holds and the one before it is not needed any more.
   */
  private journalFromSeq = 0;
  /** A format-1 state file may still be there (removed once the journal has been written). */
  private formerFile = true;
  private problem: string | undefined;
  private stopped = false;

  private constructor(
    private readonly runtime: KeeperRuntime,
    private readonly hub: Hub,
    private readonly intervalMs: number,
    private readonly dir: StateDir | undefined,
    private readonly loaded: SavedState | undefined,
    private readonly enabled: boolean,
    problem: string | undefined,
  ) {
    this.problem = problem;
    this.checkpoints = new CheckpointStore(loaded?.checkpoints);
  }

  /**
   * Locks and loads the instance's state and restores the hub's ring and ids from it. Throws
   * StateLockedError when another live logwisp holds it; any other problem is said and the run goes on
   * without state.
   */
  static async open(
    runtime: KeeperRuntime,
    config: Config,
    hub: Hub,
    startedAtMs: number,
    /** Served from NATS: the ring is filled from the stream (its ids are stream positions), not restored. */
    ringFromStream = false,
  ): Promise<StateKeeper> {
    const interval = config.state.checkpoint_interval_ms;
    const base = stateBaseDir(runtime, config);
    if (base === undefined) {
      const problem = config.state.enabled
        ? "no state directory: no home directory and no XDG_STATE_HOME"
        : undefined;
      if (problem)
        runtime.log(
          `warning: ${problem}; set --state-dir (checkpoints and the ring will not outlive this run)`,
        );
      return new StateKeeper(runtime, hub, interval, undefined, undefined, config.state.enabled, problem);
    }
    const instance = instanceName(runtime, config.monitor.targets);
    let dir: StateDir;
    try {
      dir = await StateDir.open(runtime, base, instance, startedAtMs, (line) => runtime.log(line));
    } catch (error) {
      if (error instanceof StateLockedError) throw error;
      const problem = `cannot use the state directory ${runtime.joinPath(base, instance)} (${describeFsError(error)})`;
      runtime.log(`warning: ${problem}: checkpoints and the replay ring will not outlive this run`);
      return new StateKeeper(runtime, hub, interval, undefined, undefined, true, problem);
    }
    const loaded = await StateKeeper.load(runtime, dir);
    if (loaded && !ringFromStream) StateKeeper.restore(hub, loaded);
    runtime.log(
      `state in ${dir.dir}${loaded ? ` (resuming after a ${loaded.clean ? "clean stop" : "crash"}, ${loaded.ring.levels.length} entries of the ring)` : " (none yet: files start at their end)"}`,
    );
    return new StateKeeper(runtime, hub, interval, dir, loaded, true, undefined);
  }

  /** The journal's state; else a format-1 state file's (an earlier logwisp's, replaced at the first save). */
  private static async load(runtime: KeeperRuntime, dir: StateDir): Promise<SavedState | undefined> {
    try {
      const bytes = await readWholeFile(runtime.fs, dir.journalFile);
      const previous = await readWholeFile(runtime.fs, dir.previousJournalFile);
      if (bytes !== undefined || previous !== undefined) {
        const { state, damaged, damagedIn } = decodeJournal(bytes ?? new Uint8Array(0), previous);
        if (damagedIn === "journal")
          runtime.log(
            `warning: the state journal ${dir.journalFile} ends with a save cut short or damaged (${damaged}); ${state ? "resuming from the save before it" : "starting without it"}`,
          );
        else if (damagedIn === "previous")
          runtime.log(
            `warning: the state journal ${dir.previousJournalFile} (the one before ${dir.journalFile}) has a save cut short or damaged (${damaged}); ${state ? "the replay ring holds only the entries after it" : "starting without it"}`,
          );
        if (state !== undefined) return state;
      }
      if ((await runtime.fs.stat(dir.stateFile).catch(() => undefined)) === undefined) return undefined;
      return decodeState(encoder.encode(await runtime.fs.readText(dir.stateFile)));
    } catch (error) {
      runtime.log(
        `warning: the state in ${dir.dir} cannot be read (${error instanceof Error ? error.message : describeFsError(error)}); starting without it`,
      );
      return undefined;
    }
  }

  /**
   * After a clean stop the run goes on (same ids). After a crash the saved entries keep their ids, but the
   * ids given after the last save named entries that were lost and are read again now: a new run, and the
   * crashed one honoured up to its last saved seq.
   */
  private static restore(hub: Hub, loaded: SavedState): void {
    const earlier: EarlierRun[] = [...loaded.earlierRuns];
    if (!loaded.clean) earlier.push({ run: loaded.run, upToSeq: loaded.ring.nextSeq - 1 });
    hub.restore(loaded.ring, loaded.clean ? loaded.run : hub.runId, earlier);
  }

  /** The last run's checkpoints; undefined with no state (the first run): files start at their end. */
  get saved(): Checkpoints | undefined {
    return this.loaded?.checkpoints;
  }

  /** Where the state lives, for the start log and /status; undefined when off or unusable. */
  get location(): string | undefined {
    return this.dir?.dir;
  }

  advance(path: string, position: FilePosition): void {
    this.checkpoints.advance(path, position);
    this.schedule();
  }

  release(path: string, file: { dev: number; ino: number }): void {
    this.checkpoints.release(path, file);
    this.schedule();
  }

  forget(path: string): void {
    this.checkpoints.forget(path);
    this.schedule();
  }

  /** A save at most every interval: the next one when the interval since the last is over. */
  private schedule(): void {
    if (this.dir === undefined || this.stopped || this.timer !== undefined) return;
    const delay = Math.max(0, this.lastSaveAtMs + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save(false);
    }, delay);
  }

  /**
   * Copies the ring's new entries and the checkpoints in one synchronous step (so they are a consistent
   * pair: no line can be published in between), then appends them to the journal while the stream goes on
   * (to a new one, past the ring); or writes the journal afresh, holding the whole ring, when it is due (see
   * the top of this file).
   */
  save(clean: boolean): Promise<void> {
    const dir = this.dir;
    if (dir === undefined) return Promise.resolve();
    this.saving = this.saving.then(async () => {
      if (!clean && this.checkpoints.version === this.savedVersion) return;
      const started = performance.now();
      const version = this.checkpoints.version;
      const ring = this.hub.ring;
      const journalBytes = this.journalBytes;
      const fresh = journalBytes === undefined;
      // started anew only once the ring has dropped an entry of this journal: the one before it, which this
      // one replaces, then holds none the ring still has (and a ring that never fills is never split)
      const rotate = !fresh && journalBytes > rotationBound(ring) && this.journalFromSeq < ring.oldestSeq;
      const fromSeq = fresh ? ring.oldestSeq : this.savedNextSeq;
      const entries = ring.exportEntries(fromSeq);
      const held = ring.size;
      const bytes = encodeRecord({
        clean,
        savedAtMs: Date.now(),
        run: this.hub.runId,
        earlierRuns: this.hub.earlierRuns,
        checkpoints: this.checkpoints.snapshot(),
        ringOldestSeq: ring.oldestSeq,
        entries,
      });
      this.lastSaveMs = performance.now() - started;
      this.lastSaveAtMs = Date.now();
      try {
        if (fresh) {
          await this.runtime.fs.writeFileAtomic(dir.journalFile, bytes);
          // the journal holds the whole ring: one before it (an earlier run's) is not needed, and is not read
          // even if it stays (the journal's first record starts the ring afresh)
          await this.runtime.fs.remove(dir.previousJournalFile).catch(() => undefined);
        } else if (rotate) {
          await this.runtime.fs.rename(dir.journalFile, dir.previousJournalFile);
          await this.runtime.fs.appendAndSync(dir.journalFile, bytes);
        } else await this.runtime.fs.appendAndSync(dir.journalFile, bytes);
        this.journalBytes = (fresh || rotate ? 0 : journalBytes) + bytes.length;
        if (fresh || rotate) this.journalFromSeq = fromSeq;
        this.savedNextSeq = entries.nextSeq;
        this.writes++;
        this.savedVersion = version;
        this.ringSaved = held;
        if (fresh && this.formerFile) {
          this.formerFile = false;
          // the journal holds all it had: the format-1 file of an earlier logwisp is not needed any more
          await this.runtime.fs.remove(dir.stateFile).catch(() => undefined);
        }
        if (this.problem !== undefined) {
          this.runtime.log(`state: saving to ${dir.dir} works again`);
          this.problem = undefined;
        }
      } catch (error) {
        this.failures++;
        // an append may have left part of a record at the journal's end: the next save writes it afresh
        this.journalBytes = undefined;
        const problem = `cannot save the state to ${dir.journalFile} (${describeFsError(error)})`;
        if (problem !== this.problem)
          this.runtime.log(`warning: ${problem}; streaming goes on, retried at the next checkpoint`);
        this.problem = problem;
        // retried while lines flow (the next advance schedules it); the last save of a stop is not retried
      }
    });
    return this.saving;
  }

  /** The last save (marked clean: nothing was published after it), then the lock is let go. */
  async stop(): Promise<void> {
    if (this.stopped) return this.saving;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.save(true);
    await this.dir?.unlock();
  }

  status(): StateStatus {
    return {
      enabled: this.enabled,
      dir: this.dir?.base ?? null,
      instance: this.dir?.instance ?? null,
      error: this.problem ?? null,
      last_saved_at: this.writes > 0 ? new Date(this.lastSaveAtMs).toISOString() : null,
      writes: this.writes,
      write_failures: this.failures,
      last_save_pause_ms: this.lastSaveMs === undefined ? null : Math.round(this.lastSaveMs * 100) / 100,
      ring_saved_entries: this.ringSaved,
      ring_loaded_entries: this.loaded?.ring.levels.length ?? 0,
      resumed_from: this.loaded === undefined ? "none" : this.loaded.clean ? "clean" : "crash",
    };
  }
}

/** A whole file's bytes (undefined when it is not there), read through the port's handle. */
async function readWholeFile(fs: Runtime["fs"], path: string): Promise<Uint8Array | undefined> {
  if ((await fs.stat(path)) === undefined) return undefined;
  const handle = await fs.open(path);
  try {
    const bytes = new Uint8Array((await handle.stat()).size);
    let got = 0;
    while (got < bytes.length) {
      const read = await handle.read(bytes.subarray(got), got);
      if (read === 0) break;
      got += read;
    }
    return bytes.subarray(0, got);
  } finally {
    await handle.close();
  }
}
