// Registers every conformance case with node:test for one runtime: `<runtime> › <case name>`.
import { afterEach, test } from "node:test";
import { cliCases } from "../cases/cli.ts";
import { configCases } from "../cases/config.ts";
import { entryCases } from "../cases/entry.ts";
import { hubCases } from "../cases/hub.ts";
import { lifecycleCases } from "../cases/lifecycle.ts";
import { sseCases } from "../cases/sse.ts";
import { statusCases } from "../cases/status.ts";
import { tailingCases } from "../cases/tailing.ts";
import { tcpCases } from "../cases/tcp.ts";
import { runCleanups } from "./cleanup.ts";
import type { ConformanceCase } from "./define.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

export const allCases: readonly ConformanceCase[] = [
  ...cliCases,
  ...configCases,
  ...entryCases,
  ...sseCases,
  ...tcpCases,
  ...statusCases,
  ...tailingCases,
  ...hubCases,
  ...lifecycleCases,
];

export function runConformance(rt: RuntimeUnderTest): void {
  // Processes, sockets and temp dirs of a case are released even when it failed or timed out.
  afterEach(runCleanups);
  for (const conformanceCase of allCases) {
    test(`${rt.name} › ${conformanceCase.name}`, { timeout: conformanceCase.timeoutMs }, () =>
      conformanceCase.run(rt),
    );
  }
}
