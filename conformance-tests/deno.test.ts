// The conformance suite against logwisp running on Deno (sources run directly, with the permissions in runtimes.ts).
import { deno } from "./_harness/runtimes.ts";
import { runConformance } from "./_harness/suite.ts";

runConformance(deno);
