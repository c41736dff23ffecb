// Everything a case opens (processes, sockets, temp dirs, file handles) registers how to release it here;
// the suite runs the registered steps after every case, pass or fail, so nothing leaks into the next one.

type CleanupStep = () => void | Promise<void>;

const steps: CleanupStep[] = [];

/** Registers a release step; steps run last-registered first (clients close before their server dies). */
export function onCleanup(step: CleanupStep): void {
  steps.push(step);
}

/** Runs and forgets every registered step; collects failures instead of stopping at the first. */
export async function runCleanups(): Promise<void> {
  const failures: unknown[] = [];
  while (steps.length > 0) {
    const step = steps.pop() as CleanupStep;
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} cleanup step(s) failed`);
  }
}
