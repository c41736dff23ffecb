// The conformance suite against logwisp running on Bun (Bun runs the TypeScript sources directly).
import { bun } from "./_harness/runtimes.ts";
import { runConformance } from "./_harness/suite.ts";

runConformance(bun);
