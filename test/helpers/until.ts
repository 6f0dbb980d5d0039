// Wait for something a worker does in the background: polls fn until it gives a truthy value, else fails
// naming what it waited for and, through seen(), what did happen instead.
export async function until<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: { ms?: number; stepMs?: number; seen?: () => string } = {},
): Promise<T> {
  const end = Date.now() + (opts.ms ?? 30_000);
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${opts.seen ? `; saw: ${opts.seen()}` : ""}`);
    await new Promise((r) => setTimeout(r, opts.stepMs ?? 25));
  }
}
