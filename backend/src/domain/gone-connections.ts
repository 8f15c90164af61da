/**
 * Connections this container has seen go: ids that answered 410, or whose $disconnect ran here, while their removal
 * runs or after it succeeded (a failed removal forgets the id, so a later fan-out posts, gets 410 and removes it
 * then). API Gateway never
 * reuses a connection id, so a gone id stays gone, and fan-outs skip it instead of posting to it again while its
 * membership items are still being deleted (in a mass disconnect every departure's announcement would otherwise
 * post to every other departed member). Bounded: the oldest ids are forgotten first.
 *
 * Fan-outs also take turns per connection (`turn`): a post waits for the one already in flight to the same
 * connection, so when that one meets a 410 the waiting ones skip the connection instead of each paying a 410 of
 * its own (concurrent announcements found the same dropped member before any of them had its answer).
 */
export class GoneConnections {
  private readonly ids = new Set<string>();
  /** Per connection, the last turn asked for: it settles when every turn before it, and itself, are done. */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(private readonly capacity = 10_000) {}

  add(connectionId: string): void {
    this.ids.delete(connectionId);
    this.ids.add(connectionId);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
  }

  forget(connectionId: string): void {
    this.ids.delete(connectionId);
  }

  has(connectionId: string): boolean {
    return this.ids.has(connectionId);
  }

  /**
   * Resolves when the posts to `connectionId` asked for before this one are done, with the function that ends
   * this turn; it must be called, once the post's outcome is known here (`add` after a 410 comes first).
   */
  async turn(connectionId: string): Promise<() => void> {
    const before = this.turns.get(connectionId);
    let end!: () => void;
    const mine = new Promise<void>((resolve) => (end = resolve));
    const last = before ? before.then(() => mine) : mine;
    this.turns.set(connectionId, last);
    if (before) await before;
    return () => {
      end();
      if (this.turns.get(connectionId) === last) this.turns.delete(connectionId);
    };
  }

  /** Connections with a post in flight or waiting (for tests: nothing may be left behind). */
  postsInFlight(): number {
    return this.turns.size;
  }
}
