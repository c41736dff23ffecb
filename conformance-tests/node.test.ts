// The conformance suite against logwisp running on Node (sources through tsx's ESM loader).
import { node } from "./_harness/runtimes.ts";
import { runConformance } from "./_harness/suite.ts";

runConformance(node);
