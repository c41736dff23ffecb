// Which files may be read on the event loop's own thread (FileHandle.readNow) instead of through the
// runtime's I/O threads. A steady stream's read is a few KB the application has just written: on a local
// filesystem it comes from the page cache in microseconds, while the round trip to an I/O thread and back is
// two thread wake-ups per poll (a quarter to a third of what a line-at-a-time stream costs). The price is
// that a read which does block (a network or FUSE filesystem, a failing disk) blocks every client with it:
// so only filesystems the kernel's mount table names as local are read this way, only reads of bytes just
// written (see FileReader), and a device whose read ever took SLOW_DIRECT_READ_MS is read through the I/O
// threads for the rest of the run.

/** A direct read this slow went to the device, not the page cache: its device is not read directly again. */
export const SLOW_DIRECT_READ_MS = 50;

/** The mount table is read again for a device it did not list, at most this often. */
const REFRESH_GAP_MS = 30_000;

/** Linux's mount table for this process: one line per mount, its device as major:minor and its type. */
export const MOUNT_TABLE = "/proc/self/mountinfo";

/**
 * Filesystem types whose reads are served by this kernel from its page cache or a local block device. Not
 * here, and so read through the I/O threads: nfs, cifs/smb3, fuse.* (sshfs, …), 9p, ceph, glusterfs, virtiofs
 * and anything unknown.
 */
const LOCAL_TYPES: ReadonlySet<string> = new Set([
  "ext2",
  "ext3",
  "ext4",
  "xfs",
  "btrfs",
  "bcachefs",
  "zfs",
  "f2fs",
  "jfs",
  "reiserfs",
  "nilfs2",
  "tmpfs",
  "ramfs",
  "overlay",
  "vfat",
  "exfat",
  "ntfs3",
]);

/** The major:minor of a Linux st_dev (glibc's gnu_dev_major/minor), as the mount table writes it. */
export function deviceNumbers(dev: number): string {
  const high = Math.floor(dev / 2 ** 32);
  const low = dev >>> 0;
  const major = ((low >>> 8) & 0xfff) | (high & 0xfffff000);
  const minor = (low & 0xff) | ((low >>> 12) & 0xfff00) | ((high & 0xfff) << 20);
  return `${major >>> 0}:${minor >>> 0}`;
}

/** Device (major:minor) → filesystem type, from the text of /proc/self/mountinfo (proc(5)). */
export function parseMountTable(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    const fields = line.split(" ");
    const separator = fields.indexOf("-", 6);
    const device = fields[2];
    const type = fields[separator + 1];
    if (separator === -1 || device === undefined || type === undefined) continue;
    // the last mount of a device wins, as the last mount over a path does
    types.set(device, type);
  }
  return types;
}

export interface DirectReadsOptions {
  readonly readText: (path: string) => Promise<string>;
  /** Said once per device that is no longer read directly. */
  readonly notice: (detail: string) => void;
  /** Wall-clock ms, for the refresh gap (tests). */
  readonly now?: () => number;
}

export class DirectReads {
  /** `[monitor] direct_reads`; false: every read through the I/O threads. */
  enabled = true;
  private types: ReadonlyMap<string, string> = new Map();
  /** Devices (st_dev) decided: true, read directly. */
  private readonly verdicts = new Map<number, boolean>();
  /** Devices turned off by a slow read: never read directly again in this run. */
  private readonly slow = new Set<number>();
  private loading: Promise<void> | undefined;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: DirectReadsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Reads the mount table now (at start), so the first files are decided by their first polls. */
  load(): Promise<void> {
    this.loading ??= this.options
      .readText(MOUNT_TABLE)
      .then(
        (text) => {
          this.types = parseMountTable(text);
        },
        // no mount table (not Linux, or no permission to read /proc): every file through the I/O threads
        () => undefined,
      )
      .finally(() => {
        this.loadedAt = this.now();
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * Whether a file on this device may be read directly now. A device the mount table has not listed yet is
   * read through the I/O threads while the table is read again (at most every REFRESH_GAP_MS).
   */
  allowed(dev: number): boolean {
    if (!this.enabled) return false;
    const verdict = this.verdicts.get(dev);
    if (verdict !== undefined) return verdict;
    const type = this.types.get(deviceNumbers(dev));
    if (type === undefined) {
      if (this.loading === undefined && this.now() - this.loadedAt >= REFRESH_GAP_MS) void this.load();
      return false;
    }
    const direct = LOCAL_TYPES.has(type);
    this.verdicts.set(dev, direct);
    return direct;
  }

  /** A direct read took `ms`: a slow one turns its device to the I/O threads for good. */
  took(dev: number, ms: number): void {
    if (ms < SLOW_DIRECT_READ_MS || this.slow.has(dev)) return;
    this.slow.add(dev);
    this.verdicts.set(dev, false);
    const device = deviceNumbers(dev);
    this.options.notice(
      `a read on the event loop took ${Math.round(ms)} ms on device ${device} (${this.types.get(device)}): ` +
        "files on it are read through the runtime's I/O threads from now on",
    );
  }
}
