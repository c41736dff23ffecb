// The browser the live view's test drives: Debian's `chromium` package (playwright-core brings no browser,
// and its own download would not be reachable here). Run directly, it makes sure chromium is installed:
// with apt-get as root it installs it, otherwise it says how and fails.
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { fileURLToPath } from "node:url";

/** `CHROMIUM_PATH` when set (another build of Chromium), else Debian's. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** What playwright-core's launch needs for Debian's chromium in a container, on a machine without a GPU. */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

export function ensureChromium(): void {
  if (executable(chromiumPath)) return;
  const how = "apt-get install -y --no-install-recommends chromium (Debian/Ubuntu), or set CHROMIUM_PATH";
  if (process.env.CHROMIUM_PATH !== undefined) {
    throw new Error(`CHROMIUM_PATH=${chromiumPath} is not an executable file`);
  }
  if (process.getuid?.() !== 0 || !hasCommand("apt-get")) {
    throw new Error(
      `the browser test needs Chromium at ${chromiumPath}, which is missing; install it: ${how}`,
    );
  }
  const started = Date.now();
  console.log(`chromium is missing: installing Debian's package (apt-get) …`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], {
    stdio: "inherit",
    env,
  });
  if (!executable(chromiumPath))
    throw new Error(`apt-get installed chromium, but ${chromiumPath} is missing`);
  console.log(`chromium installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    ensureChromium();
  } catch (error) {
    console.error(`logwisp browser test: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
