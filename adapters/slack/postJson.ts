// POST a JSON body and report the status: the answer to a response_url. node:http(s) with keep-alive
// agents rather than fetch, whose web streams cost a worker about a tenth of its CPU per command
// (bench/README.md, slack-ack profile); the body is read and dropped.
import http from "node:http";
import https from "node:https";

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export function postJson(url: string, body: unknown, timeoutMs = 10_000): Promise<number> {
  const target = new URL(url);
  const lib = target.protocol === "https:" ? https : target.protocol === "http:" ? http : undefined;
  if (!lib) return Promise.reject(new Error(`not an http(s) URL: ${target.protocol}`));
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      {
        method: "POST",
        agent: agents[target.protocol as "http:" | "https:"],
        timeout: timeoutMs,
        headers: { "content-type": "application/json; charset=utf-8", "content-length": payload.length },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}
