// Waiting on events with a deadline: the only way the suite waits. Never a sleep that hopes.

/** Generous default for anything a healthy logwisp does "at once": CI runs on 2 shared cores. */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Resolves with the first defined result of `check`, re-evaluated each time `subscribe` signals a change
 * and every `pollMs`; rejects with `describe()` after `ms`.
 */
export function waitUntil<T>(
  check: () => T | undefined,
  options: {
    ms: number;
    describe: () => string;
    subscribe?: (wake: () => void) => () => void;
    pollMs?: number;
  },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unsubscribe = (): void => {};
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearInterval(poll);
      unsubscribe();
      action();
    };
    const evaluate = (): void => {
      try {
        const result = check();
        if (result !== undefined) finish(() => resolve(result));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const deadline = setTimeout(() => finish(() => reject(new Error(options.describe()))), options.ms);
    const poll = setInterval(evaluate, options.pollMs ?? 25);
    if (options.subscribe) unsubscribe = options.subscribe(evaluate);
    evaluate();
  });
}

/** Polls an async probe until it returns a defined value; the last failure is part of the timeout error. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  ms = DEFAULT_TIMEOUT_MS,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last = "nothing yet";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = "probe returned no value";
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A bounded observation window, used only to assert that something does NOT happen. */
export function observeFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
