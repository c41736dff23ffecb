// "Wait for this, but no longer than that": a promise raced against a timer whose handle is always cleared,
// so a settled wait leaves no timer behind to hold the process open.

/** The promise's value, or `onTimeout` once `ms` have passed first. A rejection of `promise` is passed on. */
export async function settleWithin<T, F>(promise: Promise<T>, ms: number, onTimeout: F): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ms);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
