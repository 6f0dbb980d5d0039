import { fork } from "node:child_process";
import nodemailer from "nodemailer";
const child = fork("/work/main/bench/campaign.ts", ["--sink"], { stdio: "inherit" });
const { url } = await new Promise<any>((r) => child.once("message", r));
for (const conns of [4, 8, 16]) {
  const t = nodemailer.createTransport({ url, pool: true, maxConnections: conns, maxMessages: 1000, maxRequeues: 0 } as any);
  const N = 5000; const t0 = performance.now();
  let inflight: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    inflight.push(t.sendMail({ from: "a@b.test", to: `p${i}@x.test`, subject: "Hi", text: "Hello there, this is a message body.\n\nUnsubscribe: https://x/y", headers: { "List-Unsubscribe": "<https://x/y>" }, messageId: `<${i}@b.test>` }));
    if (inflight.length >= conns * 2) { await Promise.all(inflight); inflight = []; }
  }
  await Promise.all(inflight);
  console.log(conns, "conns:", Math.round(N / ((performance.now() - t0) / 1000)), "msg/s");
  t.close();
}
child.kill();
