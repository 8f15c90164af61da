/**
 * Runs `worker` over `items` with at most `concurrency` calls in flight. Fan-out to a room of thousands must
 * not open thousands of sockets at once (the unbounded Promise.all of most samples exhausts sockets and
 * memory and trips the management API's throttling); it also consumes an async source lazily, so a large
 * room is read page by page while earlier pages are still being sent.
 */
export async function forEachBounded<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items as AsyncIterable<T>) {
    if (failure) break;
    const task: Promise<void> = worker(item).then(
      () => {
        inFlight.delete(task);
      },
      (error: unknown) => {
        inFlight.delete(task);
        failure ??= { error };
      },
    );
    inFlight.add(task);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}
