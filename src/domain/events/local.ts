// A worker process dispatches the events its own commands record, right after their commit, without a job
// on the domain-events queue: queueing, fetching and finishing a BullMQ job cost the worker more CPU than
// the dispatch itself (bench/README.md). Nothing is lost when the process dies before it gets to them: they
// are rows, and every worker's sweep queues the ones left undispatched. A full hand (a burst) declines, and
// those events are nudged to the queue as before, for any worker to take.
import type { Logger } from "../../log.ts";
import type { EventDispatcher, RecordedEvent } from "./dispatcher.ts";
import type { LocalDispatch } from "./record.ts";

export class LocalDispatcher implements LocalDispatch {
  private waiting: RecordedEvent[] = [];
  private ids = new Set<string>();
  private lanes = 0;
  private stopped = false;

  constructor(
    private dispatcher: EventDispatcher,
    private opts: {
      lanes: number;
      max: number;
      batch?: number;
      /**
       * ms a lane waits for more events before it takes a batch smaller than `batch`: one claim statement then
       * serves several commands (at 200 commands/s, 20 ms gathers ~4). The handlers' effects wait as long.
       */
      linger?: number;
      logger?: Logger;
    },
  ) {}

  accept(events: RecordedEvent[]): boolean {
    if (this.stopped || this.ids.size + events.length > this.opts.max) return false;
    for (const e of events) {
      this.waiting.push(e);
      this.ids.add(e.id);
    }
    // after the command that committed them has answered (its continuation runs first)
    while (this.lanes < Math.min(this.opts.lanes, this.waiting.length)) {
      this.lanes++;
      setImmediate(() => void this.lane());
    }
    return true;
  }

  /** Whether this process still has the event in hand (the sweep leaves it alone). */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Takes no more; the events not yet started are left to the sweep. */
  stop(): void {
    this.stopped = true;
    this.waiting = [];
  }

  private async lane(): Promise<void> {
    try {
      while (this.waiting.length && !this.stopped) {
        const { linger = 0, batch: size = 1 } = this.opts;
        if (linger > 0 && this.waiting.length < size) await new Promise((r) => setTimeout(r, linger));
        if (this.stopped) break;
        // what came in while the last batch ran goes together (a burst shares its transactions)
        const batch = this.waiting.splice(0, this.opts.batch ?? 1);
        try {
          await this.dispatcher.dispatchRecordedMany(batch);
        } catch {
          // the dispatcher logged what failed and counted the attempts; the sweep retries those
        } finally {
          for (const e of batch) this.ids.delete(e.id);
        }
      }
    } finally {
      this.lanes--;
    }
  }
}
