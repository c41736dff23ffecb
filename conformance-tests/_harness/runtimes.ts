// Which runtime runs the CLI under test, and the exact command line that starts it there.
import { fileURLToPath } from "node:url";

export type RuntimeName = "node" | "bun" | "deno";

export interface RuntimeUnderTest {
  readonly name: RuntimeName;
  command(cliArgs: readonly string[]): { cmd: string; args: string[] };
}

/** Absolute path of the repository root (this file is conformance-tests/_harness/runtimes.ts). */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const cliPath = `${repoRoot}/src/cli.ts`;
const binDir = `${repoRoot}/node_modules/.bin`;

export const node: RuntimeUnderTest = {
  name: "node",
  command(cliArgs) {
    // `--import <loader URL>` runs the TypeScript sources in one process (the `tsx` CLI would fork a child,
    // and a signal sent to the parent's pid would then not reach logwisp itself).
    return { cmd: process.execPath, args: ["--import", import.meta.resolve("tsx"), cliPath, ...cliArgs] };
  },
};

export const bun: RuntimeUnderTest = {
  name: "bun",
  command(cliArgs) {
    return { cmd: `${binDir}/bun`, args: [cliPath, ...cliArgs] };
  },
};

export const deno: RuntimeUnderTest = {
  name: "deno",
  command(cliArgs) {
    return {
      cmd: `${binDir}/deno`,
      // --allow-write: the state directory (checkpoints, the saved ring), on by default
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-net",
        "--allow-env",
        "--allow-sys",
        cliPath,
        ...cliArgs,
      ],
    };
  },
};
