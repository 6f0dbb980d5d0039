// What the raw-SQL floors of bench/slack-ack.ts share (issue #15 item 1): a command's writes as raw SQL through `pg`,
// one transaction each, at a fixed concurrency, timed as this process's CPU time (user + system) per command — the
// figure a worker's CPU per command is compared with. The floors themselves: logNoteFloor.ts, dealMoveFloor.ts.
import pg from "pg";

export interface FloorOptions {
  commands: number;
  warmup?: number;
  concurrency?: number;
}

/**
 * `setup` reads what the commands act on (outside the timing); then `one(client, ctx, i, lane)` runs between BEGIN and
 * COMMIT, `warmup` times untimed and `commands` times timed, on `concurrency` lanes (0 …): a floor that must not
 * have two transactions on one row at once gives each lane its own rows. Returns CPU ms per command.
 */
export async function sqlFloorCpuMs<T>(
  url: string,
  opts: FloorOptions,
  setup: (pool: pg.Pool, concurrency: number) => Promise<T>,
  one: (c: pg.PoolClient, ctx: T, i: number, lane: number) => Promise<void>,
): Promise<number> {
  const concurrency = opts.concurrency ?? 8;
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  try {
    const ctx = await setup(pool, concurrency);
    let next = 0;
    const tx = async (i: number, lane: number) => {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        await one(c, ctx, i, lane);
        await c.query("COMMIT");
      } catch (e) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    };
    // numbered on from one run to the next, so a floor that cycles through records carries on where it was
    const run = async (n: number) => {
      const end = next + n;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, lane) => {
          while (next < end) await tx(next++, lane);
        }),
      );
    };
    await run(opts.warmup ?? 100);
    const c0 = process.cpuUsage();
    await run(opts.commands);
    const cpu = process.cpuUsage(c0);
    return (cpu.user + cpu.system) / 1000 / opts.commands;
  } finally {
    await pool.end();
  }
}
