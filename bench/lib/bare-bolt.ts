// The baseline for bench/slack-ack.ts: a bare Bolt app whose /crm handler only calls ack().
// Run as its own process: PORT=<n> SLACK_SIGNING_SECRET=<s> node --import tsx bench/lib/bare-bolt.ts
import bolt from "@slack/bolt";

const receiver = new bolt.ExpressReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET! });
// authorize without a Web API call (the default single-token authorize calls auth.test once)
const app = new bolt.App({ receiver, authorize: async () => ({ botToken: "xoxb-bare", botId: "B1", botUserId: "U1" }) });
app.command("/crm", async ({ ack }) => {
  await ack();
});
await app.start(Number(process.env.PORT));
console.log("bare bolt listening");
