// The command line: flags in Go's style (`-flag`, `--flag`, `--flag value`, `--flag=value`; a boolean flag
// takes only `=value`) and positional TARGET arguments. Problems are collected, not thrown, so one run
// reports every mistake at once.
import type { ConfigIssue } from "./errors.ts";
import { FLAGS, type FlagSpec, findFlag } from "./flags.ts";
import { keySpec } from "./keys.ts";
import type { Setting } from "./merge.ts";
import { BOOLEAN_EXPECTED, parseBoolean } from "./scalar.ts";
import { closestName } from "./suggest.ts";
import { parseTarget, type TargetInput } from "./target.ts";
import { parseTextValue } from "./value.ts";

export interface ArgvReading {
  readonly settings: Setting[];
  readonly issues: ConfigIssue[];
  readonly configFile?: string;
  readonly help: boolean;
  readonly version: boolean;
  readonly printConfig: boolean;
  readonly checkConfig: boolean;
}

interface ArgvState {
  settings: Setting[];
  issues: ConfigIssue[];
  configFile?: string;
  help: boolean;
  version: boolean;
  printConfig: boolean;
  checkConfig: boolean;
}

/** `--tcp-port=1` → name `tcp-port`, written `--tcp-port`, inline `1`. */
function splitFlag(arg: string): { name: string; written: string; inline?: string } {
  const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
  const equals = body.indexOf("=");
  const name = equals === -1 ? body : body.slice(0, equals);
  const written = arg.slice(0, arg.length - body.length) + name;
  return equals === -1 ? { name, written } : { name, written, inline: body.slice(equals + 1) };
}

function unknownFlag(written: string, name: string): ConfigIssue {
  const names = FLAGS.map((flag) => flag.name);
  const closest = closestName(name, names);
  const hint = closest === undefined ? "" : `; did you mean --${closest}?`;
  return {
    key: written,
    source: "flag",
    origin: written,
    problem: "unknown",
    expected: `a known flag${hint} (see --help)`,
  };
}

function applyBoolean(flag: FlagSpec, written: string, inline: string | undefined, state: ArgvState): void {
  if (flag.action.kind !== "set") return;
  const { keys, invert } = flag.action;
  const value = parseBoolean(inline ?? "true");
  if (value === undefined) {
    state.issues.push({
      key: keys[0],
      source: "flag",
      origin: written,
      value: inline,
      expected: BOOLEAN_EXPECTED,
    });
    return;
  }
  for (const key of keys)
    state.settings.push({ key, value: invert ? !value : value, source: "flag", origin: written });
}

function applyValue(flag: FlagSpec, written: string, text: string | undefined, state: ArgvState): void {
  const { action } = flag;
  if (action.kind === "config") {
    if (text === undefined || text === "") {
      state.issues.push({
        key: "config file",
        source: "flag",
        origin: written,
        value: text,
        expected: "a file path",
      });
    } else {
      state.configFile = text;
    }
    return;
  }
  if (action.kind !== "set") return;
  const spec = keySpec(action.keys[0]);
  if (text === undefined) {
    state.issues.push({
      key: spec.key,
      source: "flag",
      origin: written,
      expected: `a value after ${written}: ${spec.expected}`,
    });
    return;
  }
  const reading = parseTextValue(spec, text);
  if (!reading.ok) {
    const issue = { key: spec.key + reading.subKey, value: reading.value, expected: reading.expected };
    state.issues.push({ ...issue, source: "flag", origin: written });
    return;
  }
  for (const key of action.keys)
    state.settings.push({ key, value: reading.value, source: "flag", origin: written });
}

/** Reads one flag at `argv[index]`; returns how many arguments it used (2 when its value was the next one). */
function readFlag(argv: readonly string[], index: number, state: ArgvState): number {
  const { name, written, inline } = splitFlag(argv[index] ?? "");
  const flag = findFlag(name);
  if (flag === undefined) {
    state.issues.push(unknownFlag(written, name));
    return 1;
  }
  if (flag.action.kind === "help") state.help = true;
  else if (flag.action.kind === "version") state.version = true;
  else if (flag.action.kind === "print-config") state.printConfig = true;
  else if (flag.action.kind === "check-config") state.checkConfig = true;
  else if (flag.valueName === undefined) applyBoolean(flag, written, inline, state);
  else {
    // Like Go, a flag that needs a value takes the next argument whatever it looks like (`--check-interval -5`).
    applyValue(flag, written, inline ?? argv[index + 1], state);
    return inline === undefined ? 2 : 1;
  }
  return 1;
}

/** Positional targets replace targets from the file and env as a whole, so they form one Setting. */
function readTargets(texts: readonly string[], state: ArgvState): void {
  const targets: TargetInput[] = [];
  const origins: string[] = [];
  for (const [index, text] of texts.entries()) {
    const origin = `argument ${JSON.stringify(text)}`;
    const reading = parseTarget(text);
    if (reading.ok) {
      targets.push(reading.target);
      origins.push(origin);
      continue;
    }
    const key = `monitor.targets[${index}]${reading.field === "target" ? "" : `.${reading.field}`}`;
    state.issues.push({ key, source: "flag", origin, value: reading.value, expected: reading.expected });
  }
  // With one target unreadable the indexes would no longer match the arguments: report only that one.
  if (targets.length === 0 || targets.length !== texts.length) return;
  state.settings.push({
    key: "monitor.targets",
    value: targets,
    source: "flag",
    origin: "TARGET arguments",
    itemOrigins: origins,
  });
}

/** `argv` is what follows the program name. */
export function parseArgv(argv: readonly string[]): ArgvReading {
  const state: ArgvState = {
    settings: [],
    issues: [],
    help: false,
    version: false,
    printConfig: false,
    checkConfig: false,
  };
  const positional: string[] = [];
  let index = 0;
  while (index < argv.length) {
    const arg = argv[index] ?? "";
    if (arg === "--") {
      positional.push(...argv.slice(index + 1));
      break;
    }
    // "-" alone is an argument, as in Go; flags and targets may be interleaved.
    if (arg.length < 2 || !arg.startsWith("-")) {
      positional.push(arg);
      index += 1;
      continue;
    }
    index += readFlag(argv, index, state);
  }
  readTargets(positional, state);
  return state;
}
