// Timestamps as logwisp writes them: RFC 3339 in UTC, microseconds in entries, seconds in heartbeats.
// Times travel as epoch microseconds (a double holds them exactly until year 2255).

/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years RFC 3339 can spell with four digits. */
const MIN_EPOCH_SECONDS = -62167219200;
const MAX_EPOCH_SECONDS = 253402300799;

/** Epoch numbers below this (1973-03-03 in seconds) are far likelier durations or counters than times. */
const MIN_EPOCH_NUMBER = 1e8;
const MS_FROM = 1e12;
const MICROS_FROM = 1e15;
const NANOS_FROM = 1e18;

// One toISOString per distinct second: lines arrive in bursts, so most calls reuse the prefix. The last
// time formatted is kept whole: a batch's lines share their read time.
let cachedSecond = Number.NaN;
let cachedSecondPrefix = "";
let cachedMicros = Number.NaN;
let cachedFormatted = "";

/** `2024-01-01T12:00:00.123456Z`. Throws a RangeError outside years 0000–9999 (a caller's bug, not data). */
export function formatTimeMicros(epochMicros: number): string {
  const micros = Math.floor(epochMicros);
  if (micros === cachedMicros) return cachedFormatted;
  const second = Math.floor(micros / 1e6);
  if (!(second >= MIN_EPOCH_SECONDS && second <= MAX_EPOCH_SECONDS)) {
    throw new RangeError(`time out of range: ${epochMicros} µs since the epoch`);
  }
  if (second !== cachedSecond) {
    cachedSecondPrefix = new Date(second * 1000).toISOString().slice(0, 19);
    cachedSecond = second;
  }
  cachedFormatted = `${cachedSecondPrefix}.${String(micros - second * 1e6).padStart(6, "0")}Z`;
  cachedMicros = micros;
  return cachedFormatted;
}

/** `2024-01-01T12:00:00Z`, the fraction dropped (heartbeats). */
export function formatTimeSeconds(epochMs: number): string {
  return `${formatTimeMicros(Math.floor(epochMs / 1000) * 1e6).slice(0, 19)}Z`;
}

// performance.now() is monotonic and sub-millisecond but drifts from the wall clock (suspend, NTP steps):
// start from timeOrigin and re-anchor on Date.now() whenever the two disagree by more than a second. The
// wall clock is read at most every CLOCK_CHECK_MS: this runs once per line, and a second clock read per
// line was a third of its cost.
const MAX_CLOCK_DRIFT_MS = 1000;
export const CLOCK_CHECK_MS = 50;
let perfToEpochMs = performance.timeOrigin;
let clockCheckedAtMs = Number.NEGATIVE_INFINITY;

/** Current time in epoch microseconds, sub-millisecond where the runtime allows, not going back between re-anchors. */
export function nowMicros(): number {
  const perfMs = performance.now();
  if (!(perfMs - clockCheckedAtMs < CLOCK_CHECK_MS)) {
    clockCheckedAtMs = perfMs;
    const wallMs = Date.now();
    if (!(Math.abs(perfMs + perfToEpochMs - wallMs) <= MAX_CLOCK_DRIFT_MS)) perfToEpochMs = wallMs - perfMs;
  }
  return Math.floor((perfMs + perfToEpochMs) * 1000);
}

/**
 * A log line's own time value as `formatTimeMicros` writes it, or `undefined` when it is not a time
 * (the caller then stamps the read time). Accepts RFC 3339 / ISO 8601 date-times (any fraction length,
 * `Z`/`UTC`/`±hh:mm`/`±hhmm`/`±hh`, `T` or a space; without an offset, the host's local time, as
 * JavaScript reads such strings) and epoch numbers or numeric strings whose unit follows from their
 * magnitude: seconds, then milliseconds from 1e12, microseconds from 1e15, nanoseconds from 1e18.
 */
export function normalizeTime(value: unknown): string | undefined {
  let micros: number | undefined;
  if (typeof value === "number") micros = epochNumberToMicros(value);
  else if (typeof value === "string") micros = parseTimeString(value.trim());
  if (
    micros === undefined ||
    !(micros >= MIN_EPOCH_SECONDS * 1e6 && micros < (MAX_EPOCH_SECONDS + 1) * 1e6)
  ) {
    return undefined;
  }
  return formatTimeMicros(micros);
}

function epochNumberToMicros(value: number): number | undefined {
  if (!Number.isFinite(value) || value < MIN_EPOCH_NUMBER) return undefined;
  if (value >= NANOS_FROM) return Math.round(value / 1000);
  if (value >= MICROS_FROM) return Math.round(value);
  if (value >= MS_FROM) return Math.round(value * 1000);
  return Math.round(value * 1e6);
}

const NUMERIC = /^(\d+)(?:\.(\d+))?$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)? ?(?:([Zz]|UTC)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

function parseTimeString(text: string): number | undefined {
  const numeric = NUMERIC.exec(text);
  if (numeric) return numericStringToMicros(numeric[1] ?? "", numeric[2] ?? "");
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = "0", fraction = "", utc, sign, offsetH, offsetM = "0"] =
    match;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  // second 60 is a leap second; Date rolls it into the next minute
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return undefined;
  // the fraction is read from the text itself, so digits beyond milliseconds survive
  const fractionMicros = Number(fraction.slice(0, 6).padEnd(6, "0"));
  const date = new Date(0);
  if (utc === undefined && sign === undefined) {
    date.setFullYear(y, mo - 1, d);
    date.setHours(h, mi, s, 0);
    return date.getTime() * 1000 + fractionMicros;
  }
  const offsetMinutes = sign === undefined ? 0 : Number(offsetH) * 60 + Number(offsetM);
  if (offsetMinutes >= 24 * 60 || Number(offsetM) > 59) return undefined;
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const utcMs = date.getTime() - (sign === "-" ? -offsetMinutes : offsetMinutes) * 60_000;
  return utcMs * 1000 + fractionMicros;
}

// Exact decimal arithmetic on the digits: Number("1704110400123456789") would already have lost the µs.
function numericStringToMicros(integer: string, fraction: string): number | undefined {
  const magnitude = Number(integer);
  if (magnitude < MIN_EPOCH_NUMBER) return undefined;
  if (magnitude >= NANOS_FROM) return Number(integer.slice(0, -3));
  if (magnitude >= MICROS_FROM) return magnitude;
  if (magnitude >= MS_FROM) return magnitude * 1000 + Number(fraction.slice(0, 3).padEnd(3, "0"));
  return magnitude * 1e6 + Number(fraction.slice(0, 6).padEnd(6, "0"));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
