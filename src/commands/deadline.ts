// Platforms answer within 3 s: work that may take longer races a timer, and LATE says the timer won
// (the Slack and Discord adapters then defer; a form opens without its looked-up values).
export const LATE = Symbol("late");

export function within<T>(p: Promise<T>, ms: number): Promise<T | typeof LATE> {
  return Promise.race([p, new Promise<typeof LATE>((r) => setTimeout(() => r(LATE), ms).unref())]);
}
