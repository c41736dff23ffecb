// A line that never ends (issue 5): a writer appends 1 GiB without a newline. logwisp must emit its head
// once, cut at max_line_bytes and marked truncated, skip the rest without holding it (memory stays at the
// runtime's own plus about one line), and deliver the next line. The bytes are real, written in chunks to
// the case's temp dir (removed with it): a sparse file would not make logwisp read them.
import assert from "node:assert/strict";
import { statfs } from "node:fs/promises";
import { byMessage } from "../_harness/clients.ts";
import { CaseSkipped, defineCase } from "../_harness/define.ts";
import { peakResidentKiB } from "../_harness/proc-stats.ts";
import { connectedSse, serve } from "../_harness/serve.ts";

const GIB = 1024 * 1024 * 1024;
const CHUNK_BYTES = 4 * 1024 * 1024;
/** The default max_line_bytes. */
const MAX_LINE_BYTES = 1024 * 1024;
/** How often (in chunks) /status is asked how much of the line is held: every 64 MiB. */
const PROBE_EVERY_CHUNKS = 16;
/**
 * Peak RSS (VmHWM) allowed over the whole run, and its growth while the line is read. Measured here: 59-107
 * MiB at the end, 8-21 MiB of growth, by runtime; holding the line instead of skipping it would need 1 GiB.
 */
const RSS_BOUND_KIB = 256 * 1024;
const RSS_GROWTH_BOUND_KIB = 64 * 1024;

export const reliabilityGigabyteCases = [
  defineCase(
    "reliability: a line growing to 1 GiB is cut once at max_line_bytes, not held, and the next line arrives",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      const { bavail, bsize } = await statfs(served.dir);
      if (bavail * bsize < 2 * GIB) throw new CaseSkipped("needs 2 GiB free in the temp dir");
      const client = await connectedSse(served);
      const rssBeforeKiB = await peakResidentKiB(served.proc.pid);
      const writer = await served.logs.openWriter("app.log");
      const chunk = Buffer.alloc(CHUNK_BYTES, "L");
      const started = Date.now();
      let heldMostBytes = 0;
      for (let written = 1; written <= GIB / CHUNK_BYTES; written++) {
        await writer.write(chunk);
        if (written % PROBE_EVERY_CHUNKS !== 0) continue;
        const file = (await served.status()).monitor.files.find((f) => f.source === "app.log");
        heldMostBytes = Math.max(heldMostBytes, file?.pending_bytes ?? 0);
      }
      const writeMs = Date.now() - started;
      await writer.write("\nafter the gigabyte\n");
      await client.nextEntry(byMessage("after the gigabyte"), 60_000);
      const totalMs = Date.now() - started;
      const peakKiB = await peakResidentKiB(served.proc.pid);
      console.log(
        `[${rt.name}] 1 GiB line: written in ${writeMs} ms, next line delivered after ${totalMs} ms; ` +
          `peak RSS (VmHWM) ${rssBeforeKiB} KiB before, ${peakKiB} KiB after; most held ${heldMostBytes} bytes`,
      );

      const [cut, next, ...rest] = client.entries();
      assert.equal(cut?.fields?.truncated, true, "the head of the line is marked truncated");
      assert.equal(cut?.message, "L".repeat(MAX_LINE_BYTES), "cut at max_line_bytes (default 1 MiB)");
      assert.equal(next?.message, "after the gigabyte");
      assert.equal(next?.fields?.truncated, undefined);
      assert.deepEqual(rest, [], "reported once: the rest of the line produced no entry");
      // ~256 polls read the rest: none of them may log about it (the entry itself says truncated)
      assert.doesNotMatch(served.proc.stderr(), /app\.log/, "nothing logged about the line");
      const file = (await served.status()).monitor.files.find((f) => f.source === "app.log");
      assert.equal(file?.offset, GIB + "\nafter the gigabyte\n".length, "every byte was read");
      assert.equal(file?.lines_read, 2);
      assert.ok(heldMostBytes <= MAX_LINE_BYTES, `held at most one line: ${heldMostBytes} bytes`);
      assert.ok(peakKiB < RSS_BOUND_KIB, `peak RSS ${peakKiB} KiB stays under ${RSS_BOUND_KIB} KiB`);
      assert.ok(
        peakKiB - rssBeforeKiB < RSS_GROWTH_BOUND_KIB,
        `peak RSS grew by ${peakKiB - rssBeforeKiB} KiB, under ${RSS_GROWTH_BOUND_KIB} KiB`,
      );
    },
    { timeoutMs: 120_000, exclusive: true },
  ),
];
