import pg from "pg";
import { openDatabase } from "../src/db/client.ts";
const url = "postgresql://postgres@127.0.0.1:5432/postgres";
const db = await openDatabase({ databaseUrl: url, dataDir: "x", migrate: false });
const pool = new pg.Pool({ connectionString: url, max: 4 });
for (let round = 0; round < 2; round++) {
  let t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 2000; i++) await db.prisma.$queryRaw`SELECT ${i}::int AS x, ${["a","b","c"]}::text[] AS y`;
  let cpu = process.cpuUsage(c0);
  console.log("prisma", ((performance.now() - t0) / 2000).toFixed(3), "ms/query wall,", ((cpu.user + cpu.system) / 1000 / 2000).toFixed(3), "ms cpu");
  t0 = performance.now(); const c1 = process.cpuUsage();
  for (let i = 0; i < 2000; i++) await pool.query("SELECT $1::int AS x, $2::text[] AS y", [i, ["a","b","c"]]);
  cpu = process.cpuUsage(c1);
  console.log("pg    ", ((performance.now() - t0) / 2000).toFixed(3), "ms/query wall,", ((cpu.user + cpu.system) / 1000 / 2000).toFixed(3), "ms cpu");
}
await db.close(); await pool.end();
