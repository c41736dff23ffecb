// What the kernel says about a process under test (Linux /proc): resident memory and open descriptors.
import { readdir, readFile } from "node:fs/promises";
import { onCleanup } from "./cleanup.ts";
import { CaseSkipped } from "./define.ts";

/** Resident set size in KiB (`VmRSS` of /proc/<pid>/status). */
export async function residentKiB(pid: number): Promise<number> {
  const status = await readProc(() => readFile(`/proc/${pid}/status`, "utf8"));
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS line in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * Peak resident set size since the process started, in KiB (`VmHWM` of /proc/<pid>/status): kept by the
 * kernel, so a spike between two samples is not missed.
 */
export async function peakResidentKiB(pid: number): Promise<number> {
  const status = await readProc(() => readFile(`/proc/${pid}/status`, "utf8"));
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmHWM line in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * CPU time the process has used so far, user and system, in seconds (`utime` + `stime` of /proc/<pid>/stat,
 * in clock ticks of 1/100 s, as on every Linux the suite runs on).
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readProc(() => readFile(`/proc/${pid}/stat`, "utf8"));
  // the command name (field 2) may hold spaces: count fields after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Open file descriptors of the process (entries of /proc/<pid>/fd). */
export async function openFdCount(pid: number): Promise<number> {
  return (await readProc(() => readdir(`/proc/${pid}/fd`))).length;
}

/**
 * Samples a process's RSS every `everyMs` until stopped; `stop()` resolves with the peak in KiB. The timer
 * is also cleared when the case ends, so a case that fails before `stop()` does not keep the run alive.
 */
export function sampleResidentPeak(pid: number, everyMs = 25): { stop(): Promise<number> } {
  let peak = 0;
  let failure: unknown;
  let sampling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sampling = residentKiB(pid).then(
      (kib) => {
        peak = Math.max(peak, kib);
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
  }, everyMs);
  onCleanup(() => clearInterval(timer));
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      peak = Math.max(peak, await residentKiB(pid));
      if (failure !== undefined) throw failure;
      return peak;
    },
  };
}

async function readProc<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (process.platform !== "linux") throw new CaseSkipped("needs Linux /proc");
    throw error;
  }
}
