// Everything a case opens (processes, sockets, temp dirs, file handles) registers how to release it here.
// Cases run concurrently, so the steps are scoped to the case that registered them (AsyncLocalStorage
// follows the case through its awaits and callbacks) and run when that case ends, pass or fail.
import { AsyncLocalStorage } from "node:async_hooks";

type CleanupStep = () => void | Promise<void>;

const scope = new AsyncLocalStorage<CleanupStep[]>();
/** Steps registered outside any case (should not happen); released by `runUnscopedCleanups`. */
const unscoped: CleanupStep[] = [];

/** Registers a release step; steps run last-registered first (clients close before their server dies). */
export function onCleanup(step: CleanupStep): void {
  (scope.getStore() ?? unscoped).push(step);
}

/**
 * Runs `body` as one case: fails it after `timeoutMs`, and in every outcome releases what it registered.
 * Killing its processes and sockets also ends any wait the timed-out body is still in.
 */
export async function runScoped<T>(body: () => Promise<T>, timeoutMs: number, name: string): Promise<T> {
  const steps: CleanupStep[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`case "${name}" did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([scope.run(steps, body), timeout]);
  } finally {
    clearTimeout(timer);
    await runSteps(steps);
  }
}

export function runUnscopedCleanups(): Promise<void> {
  return runSteps(unscoped);
}

/** Runs and forgets every step; collects failures instead of stopping at the first. */
async function runSteps(steps: CleanupStep[]): Promise<void> {
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
