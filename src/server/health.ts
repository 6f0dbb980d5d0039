// /healthz (process up), /readyz (database + Redis answer), /metrics (Prometheus text).
import { Router } from "express";
import client from "prom-client";

export interface Probe {
  name: string;
  check(): Promise<void>;
}

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms).unref())]);

export function healthRoutes(probes: Probe[], registry: client.Registry): Router {
  const r = Router();
  r.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  r.get("/readyz", async (_req, res) => {
    const results = await Promise.all(
      probes.map(async (p) => {
        try {
          await withTimeout(p.check(), 1500);
          return [p.name, "up"] as const;
        } catch (e) {
          return [p.name, `down: ${(e as Error).message}`] as const;
        }
      }),
    );
    const down = results.filter(([, s]) => s !== "up").map(([n]) => n);
    res.status(down.length ? 503 : 200).json({ status: down.length ? "unavailable" : "ok", down, checks: Object.fromEntries(results) });
  });
  r.get("/metrics", async (_req, res) => {
    res.set("Content-Type", registry.contentType).send(await registry.metrics());
  });
  return r;
}

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const httpDuration = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [registry],
  });
  const commands = new client.Counter({
    name: "crm_commands_total",
    help: "Commands run, by surface, command and outcome",
    labelNames: ["surface", "command", "outcome"] as const,
    registers: [registry],
  });
  return { registry, httpDuration, commands };
}
export type Metrics = ReturnType<typeof createMetrics>;
