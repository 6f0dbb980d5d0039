// Group commit: what arrives while a commit runs is committed together by the next one. One batch is in
// flight at a time, so under load the batches grow by themselves.
// Each caller gets its own item's answer (or the batch's error).
// After a commit the senders it answered need a moment to send their next message; a batch that would
// start with under half of the last one waits up to lingerMs for them, so batches do not fall into a
// pattern of one lone message, then all the others.

interface Waiting<I, O> {
  item: I;
  resolve(o: O): void;
  reject(e: unknown): void;
}

export interface GroupCommitOptions {
  maxBatch?: number;
  lingerMs?: number;
}

export function groupCommit<I, O>(flush: (items: I[]) => Promise<O[]>, opts: GroupCommitOptions = {}): (item: I) => Promise<O> {
  const { maxBatch = 64, lingerMs = 2 } = opts;
  const queue: Waiting<I, O>[] = [];
  let running = false;
  let last = 1;
  let arrived: (() => void) | undefined;
  async function drain() {
    running = true;
    while (queue.length) {
      if (queue.length * 2 < last && lingerMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, lingerMs);
          arrived = () => {
            if (queue.length < last) return;
            clearTimeout(timer);
            resolve();
          };
        });
        arrived = undefined;
      }
      const batch = queue.splice(0, maxBatch);
      last = batch.length;
      try {
        const out = await flush(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(out[i]));
      } catch (e) {
        batch.forEach((w) => w.reject(e));
      }
    }
    running = false;
  }
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) void drain();
      else arrived?.();
    });
}
