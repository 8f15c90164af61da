/**
 * Connections this container has seen go: ids that answered 410, or whose $disconnect ran here, while their removal
 * runs or after it succeeded (a failed removal forgets the id, so a later fan-out posts, gets 410 and removes it
 * then). API Gateway never
 * reuses a connection id, so a gone id stays gone, and fan-outs skip it instead of posting to it again while its
 * membership items are still being deleted (in a mass disconnect every departure's announcement would otherwise
 * post to every other departed member). Bounded: the oldest ids are forgotten first.
 */
export class GoneConnections {
  private readonly ids = new Set<string>();

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
}
