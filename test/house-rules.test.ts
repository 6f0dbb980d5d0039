// The house rules CI checks (ARCHITECTURE.md "Layers and the rules CI checks") pass on the real tree and
// fail on a planted violation of each: the real depcruise and eslint binaries run on a copy of src/,
// adapters/ and jobs/ with one bad file per rule, and must exit non-zero naming that rule and that file.
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const CONFIGS = ["package.json", "tsconfig.json", ".dependency-cruiser.cjs", "eslint.config.js"];
const LAYERS = ["src", "adapters", "jobs"];

interface Run {
  code: number;
  out: string;
}

async function run(bin: "depcruise" | "eslint", args: string[], cwd: string): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(path.join(BIN, bin), args, { cwd, maxBuffer: 16 << 20 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}
const depcruise = (cwd: string) => run("depcruise", [...LAYERS, "--config", ".dependency-cruiser.cjs"], cwd);

/** one file per rule, each breaking only that rule (paths relative to the copy's root) */
const PLANTED: Record<string, string> = {
  "adapters/planted.ts": "export const planted = 1;\n",
  "src/domain/plantedOuter.ts": 'import { planted } from "../../adapters/planted.ts";\nexport const outer = planted;\n',
  "src/domain/plantedSdk.ts": 'import type { App } from "@slack/bolt";\nexport type Bolt = App;\n',
  "adapters/plantedPrisma.ts": 'import { PrismaClient } from "@prisma/client";\nexport const Client = PrismaClient;\n',
  "jobs/plantedA.ts": 'import { b } from "./plantedB.ts";\nexport const a = () => b();\n',
  "jobs/plantedB.ts": 'import { a } from "./plantedA.ts";\nexport const b = (): unknown => a;\n',
  "jobs/plantedJobs.ts": 'import { planted } from "../adapters/planted.ts";\nexport const jobs = planted;\n',
  "src/render/plantedRender.ts": 'import type { Actor } from "../domain/actor.ts";\nexport type Viewer = Actor;\n',
  "src/reply/plantedReply.ts": 'import type { Actor } from "../domain/actor.ts";\nexport type Author = Actor;\n',
  "src/domain/plantedEnv.ts": "export const ttl = Number(process.env.PLANTED_TTL_MS ?? 5000);\n",
  "src/config/plantedEnv.ts": "export const ttl = Number(process.env.PLANTED_TTL_MS ?? 5000);\n",
};

describe("house rules", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "house-rules-"));
    for (const f of CONFIGS) await cp(path.join(ROOT, f), path.join(dir, f));
    for (const d of LAYERS) await cp(path.join(ROOT, d), path.join(dir, d), { recursive: true });
    await symlink(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    for (const [f, text] of Object.entries(PLANTED)) {
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await writeFile(path.join(dir, f), text);
    }
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the real tree passes the dependency rules and eslint", { timeout: 60_000 }, async () => {
    const [deps, lint] = await Promise.all([depcruise(ROOT), run("eslint", LAYERS, ROOT)]);
    expect(deps.out).toContain("no dependency violations found");
    expect(deps.code, deps.out).toBe(0);
    expect(lint.code, lint.out).toBe(0);
  });

  it("depcruise fails on each planted layer violation and names its rule", { timeout: 60_000 }, async () => {
    const r = await depcruise(dir);
    expect(r.code, r.out).not.toBe(0);
    // npm packages resolve through the copy's node_modules link, to wherever it points
    const expected: [string, RegExp][] = [
      ["domain-not-to-outer-layers", /src\/domain\/plantedOuter\.ts → adapters\/planted\.ts\n/],
      ["domain-not-to-platforms", /src\/domain\/plantedSdk\.ts → \S*node_modules\/@slack\/bolt\//],
      ["adapters-not-to-prisma", /adapters\/plantedPrisma\.ts → \S*node_modules\/@prisma\/client\//],
      ["no-circular", /jobs\/planted[AB]\.ts → \n\s+jobs\/planted[AB]\.ts →\n\s+jobs\/planted[AB]\.ts\n/],
      ["jobs-not-to-adapters", /jobs\/plantedJobs\.ts → adapters\/planted\.ts\n/],
      ["render-not-to-domain", /src\/render\/plantedRender\.ts → src\/domain\/actor\.ts\n/],
      ["neutral-values-stay-neutral", /src\/reply\/plantedReply\.ts → src\/domain\/actor\.ts\n/],
    ];
    for (const [rule, edge] of expected) expect(r.out, rule).toMatch(new RegExp(`error ${rule}: ${edge.source}`));
    // nothing else: the copy of the real tree is clean, so every violation is a planted one
    expect(r.out).toContain(`x ${expected.length} dependency violations (${expected.length} errors, 0 warnings)`);
  });

  it("eslint fails on process.env read in the domain, and allows it in src/config", { timeout: 60_000 }, async () => {
    const r = await run("eslint", ["src/domain/plantedEnv.ts", "src/config/plantedEnv.ts"], dir);
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(
      /src\/domain\/plantedEnv\.ts\n\s+1:\d+\s+error\s+'process\.env' is restricted from being used\. Read settings in src\/config\/env\.ts.*no-restricted-properties/,
    );
    expect(r.out).not.toContain("src/config/plantedEnv.ts");
  });
});
