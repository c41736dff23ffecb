// CPU and memory of a process from /proc (Linux): utime + stime in seconds, current and peak RSS in KiB.
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux build that matters. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcSample {
  readonly cpuSeconds: number;
  readonly rssKiB: number;
  readonly peakRssKiB: number;
}

export function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after "(comm)": state is field 3, utime 14 and stime 15
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return {
      cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND,
      rssKiB: statusKiB(status, "VmRSS"),
      peakRssKiB: statusKiB(status, "VmHWM"),
    };
  } catch {
    return undefined;
  }
}

function statusKiB(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

export interface GroupSample {
  readonly cpuSeconds: number;
  /**
   * Voluntary context switches of every thread: how often the group went to sleep and was woken. A steady
   * stream's cost is mostly per wake-up, and this count, unlike CPU time, hardly depends on the machine's load.
   */
  readonly wakeups: number;
}

/**
 * CPU seconds and wake-ups of every process in a process group: a server and its children (`tail -F |
 * socat` is three processes; a child's time shows in its parent's cutime only once it has exited).
 */
export function sampleGroup(pgid: number): GroupSample {
  let ticks = 0;
  let wakeups = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // pgrp is field 5
      if (Number(fields[2]) !== pgid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const task of readdirSync(`/proc/${name}/task`)) {
        const status = readFileSync(`/proc/${name}/task/${task}/status`, "utf8");
        wakeups += statusNumber(status, "voluntary_ctxt_switches");
      }
    } catch {
      // exited between the listing and the read
    }
  }
  return { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, wakeups };
}

function statusNumber(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}
