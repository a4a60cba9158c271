import type { KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';

/** How many (object, reason, message) triples are remembered before the oldest are forgotten. */
const REMEMBERED = 10_000;

/**
 * Says why an object waits once, not on every pass: a claim left Pending is looked at on every
 * resync, and an Event per look would bury the ones that matter. Kubernetes' recorder folds
 * repeats into a count; here a repeat of the same reason and message for the same object is
 * dropped (after a restart it is said once more).
 */
export class EventsOnce {
  private readonly said = new Set<string>();

  async record(ctx: ReconcileContext, obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const key = `${obj.metadata.uid}\u0000${reason}\u0000${message}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    if (this.said.size > REMEMBERED) this.said.delete(this.said.values().next().value!);
    await ctx.events.record(obj, type, reason, message);
  }
}
