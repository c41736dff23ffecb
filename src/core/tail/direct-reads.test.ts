import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { test } from "node:test";
import {
  DirectReads,
  deviceNumbers,
  MOUNT_TABLE,
  parseMountTable,
  SLOW_DIRECT_READ_MS,
} from "./direct-reads.ts";

// st_dev as Linux encodes it (glibc makedev)
function makedev(major: number, minor: number): number {
  const low = ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & 0xfff00) << 12);
  const high = (major & 0xfffff000) | ((minor >>> 20) & 0xfff);
  return high * 2 ** 32 + (low >>> 0);
}

const TABLE = [
  "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard",
  "30 27 0:25 / /run rw,nosuid shared:5 - tmpfs tmpfs rw,size=1024k",
  "40 27 0:53 / /mnt/nfs rw,relatime shared:9 master:3 - nfs4 server:/export rw,vers=4.2",
  "41 27 0:60 / /mnt/ssh rw,nosuid,nodev - fuse.sshfs host:/logs rw,user_id=0",
  "42 27 259:1048579 / /data rw - xfs /dev/nvme0n1p3 rw",
  "",
].join("\n");

test("deviceNumbers reads a Linux st_dev as the mount table's major:minor, large numbers included", () => {
  assert.equal(deviceNumbers(makedev(254, 0)), "254:0");
  assert.equal(deviceNumbers(makedev(0, 53)), "0:53");
  assert.equal(deviceNumbers(makedev(259, 1048579)), "259:1048579");
  assert.equal(deviceNumbers(makedev(4097, 3)), "4097:3");
});

test("parseMountTable maps each device to its filesystem type, optional fields or not", () => {
  const types = parseMountTable(TABLE);
  assert.equal(types.get("254:0"), "ext4");
  assert.equal(types.get("0:25"), "tmpfs");
  assert.equal(types.get("0:53"), "nfs4");
  assert.equal(types.get("0:60"), "fuse.sshfs");
  assert.equal(types.get("259:1048579"), "xfs");
  assert.equal(types.size, 5);
});

function directReads(table: string | Error = TABLE) {
  const notices: string[] = [];
  const loads: string[] = [];
  let clock = 0;
  const reads = new DirectReads({
    readText: async (path) => {
      loads.push(path);
      if (table instanceof Error) throw table;
      return table;
    },
    notice: (detail) => notices.push(detail),
    now: () => clock,
  });
  return { reads, notices, loads, advance: (ms: number) => (clock += ms) };
}

test("files on local filesystems may be read directly; network, FUSE and unknown ones may not", async () => {
  const { reads, loads } = directReads();
  await reads.load();
  assert.deepEqual(loads, [MOUNT_TABLE]);
  assert.equal(reads.allowed(makedev(254, 0)), true, "ext4");
  assert.equal(reads.allowed(makedev(0, 25)), true, "tmpfs");
  assert.equal(reads.allowed(makedev(259, 1048579)), true, "xfs");
  assert.equal(reads.allowed(makedev(0, 53)), false, "nfs4");
  assert.equal(reads.allowed(makedev(0, 60)), false, "fuse.sshfs");
  assert.equal(reads.allowed(makedev(8, 1)), false, "not in the table");
});

test("without a mount table (not Linux, no permission) nothing is read directly", async () => {
  const { reads } = directReads(new Error("EACCES"));
  await reads.load();
  assert.equal(reads.allowed(makedev(254, 0)), false);
});

test("a device the table did not list reads it again, at most every 30 s", async () => {
  const { reads, loads, advance } = directReads();
  await reads.load();
  assert.equal(reads.allowed(makedev(8, 1)), false);
  assert.equal(loads.length, 1, "read less than 30 s ago: not again");
  advance(30_000);
  assert.equal(reads.allowed(makedev(8, 1)), false, "while the table is read again");
  assert.equal(loads.length, 2);
});

test("off (direct_reads = false): nothing is read directly", async () => {
  const { reads } = directReads();
  await reads.load();
  reads.enabled = false;
  assert.equal(reads.allowed(makedev(254, 0)), false);
  reads.enabled = true;
  assert.equal(reads.allowed(makedev(254, 0)), true);
});

test("a slow direct read turns its device to the I/O threads for good, said once", async () => {
  const { reads, notices } = directReads();
  await reads.load();
  const dev = makedev(254, 0);
  reads.took(dev, SLOW_DIRECT_READ_MS - 1);
  assert.equal(reads.allowed(dev), true, "a fast read changes nothing");
  reads.took(dev, SLOW_DIRECT_READ_MS + 10);
  reads.took(dev, SLOW_DIRECT_READ_MS + 10);
  assert.equal(reads.allowed(dev), false);
  assert.equal(reads.allowed(makedev(0, 25)), true, "other devices are not affected");
  assert.equal(notices.length, 1);
  assert.match(notices[0] as string, /took 60 ms on device 254:0 \(ext4\)/);
});

test("this machine's own mount table is read and decides the temp dir's device", async (t) => {
  let text: string;
  try {
    const { readFileSync } = await import("node:fs");
    text = readFileSync(MOUNT_TABLE, "utf8");
  } catch {
    t.diagnostic("no /proc/self/mountinfo here: nothing to compare");
    return;
  }
  const types = parseMountTable(text);
  // the device of the temp dir is in the table (the encoding agrees with the kernel's)
  assert.notEqual(types.get(deviceNumbers(statSync(tmpdir()).dev)), undefined);
});
