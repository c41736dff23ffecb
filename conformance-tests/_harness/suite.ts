// Registers every conformance case with node:test for one runtime: `<runtime> › <case name>`.
import { after, describe, test } from "node:test";
import { authCases } from "../cases/auth.ts";
import { cliCases } from "../cases/cli.ts";
import { configCases } from "../cases/config.ts";
import { corsCases } from "../cases/cors.ts";
import { discoveryCases } from "../cases/discovery.ts";
import { entryCases } from "../cases/entry.ts";
import { entryFormatCases } from "../cases/entry-formats.ts";
import { filterCases } from "../cases/filters.ts";
import { filterRegexCases } from "../cases/filters-regex.ts";
import { hubCases } from "../cases/hub.ts";
import { lifecycleCases } from "../cases/lifecycle.ts";
import { lifecycleDrainCases } from "../cases/lifecycle-drain.ts";
import { limitsCases } from "../cases/limits.ts";
import { liveViewCases } from "../cases/live-view.ts";
import { metricsCases } from "../cases/metrics.ts";
import { natsPublishCases } from "../cases/nats-publish.ts";
import { natsServeCases } from "../cases/nats-serve.ts";
import { packagingCliCases } from "../cases/packaging-cli.ts";
import { reliabilityGigabyteCases } from "../cases/reliability-gigabyte.ts";
import { reliabilityHalfOpenCases } from "../cases/reliability-half-open.ts";
import { reliabilityInputCases } from "../cases/reliability-input.ts";
import { reliabilityLoadCases } from "../cases/reliability-load.ts";
import { reliabilityRequestCases } from "../cases/reliability-requests.ts";
import { reliabilitySseStallCases } from "../cases/reliability-sse-stall.ts";
import { reloadCases } from "../cases/reload.ts";
import { replayCases } from "../cases/replay.ts";
import { restartCases } from "../cases/restarts.ts";
import { sseCases } from "../cases/sse.ts";
import { statusCases } from "../cases/status.ts";
import { symlinkCases } from "../cases/symlinks.ts";
import { tailingCases } from "../cases/tailing.ts";
import { tailingEdgeCases } from "../cases/tailing-edges.ts";
import { tcpCases } from "../cases/tcp.ts";
import { tlsCases } from "../cases/tls.ts";
import { runScoped, runUnscopedCleanups } from "./cleanup.ts";
import { CaseSkipped, type ConformanceCase } from "./define.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

export const allCases: readonly ConformanceCase[] = [
  ...cliCases,
  ...configCases,
  ...entryCases,
  ...entryFormatCases,
  ...sseCases,
  ...tcpCases,
  ...filterCases,
  ...filterRegexCases,
  ...replayCases,
  ...restartCases,
  ...authCases,
  ...corsCases,
  ...limitsCases,
  ...tlsCases,
  ...statusCases,
  ...metricsCases,
  ...natsPublishCases,
  ...tailingCases,
  ...tailingEdgeCases,
  ...discoveryCases,
  ...symlinkCases,
  ...hubCases,
  ...reliabilityLoadCases,
  ...reliabilitySseStallCases,
  ...reliabilityInputCases,
  ...reliabilityGigabyteCases,
  ...reliabilityRequestCases,
  ...reliabilityHalfOpenCases,
  ...lifecycleCases,
  ...lifecycleDrainCases,
  ...reloadCases,
  ...packagingCliCases,
  ...liveViewCases,
  ...natsServeCases,
];

/**
 * Most of a case's time is the runtime starting up and then waiting on the network, so a few run at once
 * (CONFORMANCE_CONCURRENCY, default 6); each owns its process, ports and temp dir.
 */
const concurrency = Number(process.env.CONFORMANCE_CONCURRENCY ?? 6) || 1;

function register(rt: RuntimeUnderTest, cases: readonly ConformanceCase[]): void {
  for (const conformanceCase of cases) {
    const name = `${rt.name} › ${conformanceCase.name}`;
    // node:test's own timeout is only a backstop: runScoped fails the case first and releases its resources.
    test(name, { timeout: conformanceCase.timeoutMs + 15_000 }, async (t) => {
      try {
        await runScoped(() => conformanceCase.run(rt), conformanceCase.timeoutMs, name);
      } catch (error) {
        if (!(error instanceof CaseSkipped)) throw error;
        t.skip(error.message);
      }
    });
  }
}

export function runConformance(rt: RuntimeUnderTest): void {
  after(runUnscopedCleanups);
  describe(`${rt.name} conformance`, { concurrency }, () => {
    register(
      rt,
      allCases.filter((conformanceCase) => !conformanceCase.exclusive),
    );
  });
  describe(`${rt.name} conformance, one at a time`, () => {
    register(
      rt,
      allCases.filter((conformanceCase) => conformanceCase.exclusive),
    );
  });
}
