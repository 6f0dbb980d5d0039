// `npm start -- --role=worker` (or another role) as a child process of its own process group (tsx runs the app in a child
// node process, so SIGKILL must reach the group), ready once a log line says its workers run.
import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface WorkerProcess {
  exited: Promise<number | null>;
  out: () => string;
  kill(sig: NodeJS.Signals): void;
  ready: Promise<void>;
}

export function startWorkerProcess(
  env: Record<string, string>,
  readyLine = "domain events worker started",
  role: "worker" | "server" | "all" = "worker",
): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", `--role=${role}`], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: "info", ...env },
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  const ready = (async () => {
    const end = Date.now() + 60_000;
    while (!out.includes(readyLine)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`worker did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    exited,
    out: () => out,
    ready,
    kill: (sig) => {
      try {
        if (sig === "SIGKILL") process.kill(-child.pid!, sig);
        else child.kill(sig);
      } catch {
        /* already gone */
      }
    },
  };
}
