// A workspace's default pipeline and stages are read from the database once per process (PipelineService's
// cache): nothing changes them after the workspace is made, and every deal move, card and button reads them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { createServices } from "../src/domain/services.ts";
import { PipelineService } from "../src/domain/deals/pipeline.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";

let t: TestDb;
let reads: string[] = [];
let counted: PrismaClient;

beforeAll(async () => {
  t = await createTestDb();
  counted = t.db.prisma.$extends({
    query: {
      pipeline: {
        findFirst({ args, query }) {
          reads.push(String(args.where?.workspaceId));
          return query(args);
        },
      },
    },
  }) as unknown as PrismaClient;
}, 60_000);
afterAll(async () => {
  await t.drop();
});

describe("the default pipeline of a workspace", () => {
  it("is read once per workspace: later stage lookups and moves ask the database nothing", async () => {
    const services = createServices(t.db.prisma);
    const one = (await services.workspaces.create("Cache One", "Ann")).workspace.id;
    const two = (await services.workspaces.create("Cache Two", "Bob")).workspace.id;
    const pipelines = new PipelineService(counted);
    reads = [];
    const first = await pipelines.stages(one);
    expect((await pipelines.stageByName(one, "prop")).name).toBe("proposal");
    expect(await pipelines.stages(one)).toBe(first);
    expect(reads).toEqual([one]);
    // another workspace has its own stages, read once as well
    const other = await pipelines.stages(two);
    await pipelines.defaultPipeline(two);
    expect(reads).toEqual([one, two]);
    expect(other[0].id).not.toBe(first[0].id);
    expect(other.every((s) => s.workspaceId === two)).toBe(true);
  });

  it("hands every caller the same frozen stages, so none can change what the others see", async () => {
    const services = createServices(t.db.prisma);
    const ws = (await services.workspaces.create("Cache Frozen", "Cy")).workspace.id;
    const stages = await new PipelineService(counted).stages(ws);
    expect(() => stages.push(stages[0])).toThrow(TypeError);
    expect(() => {
      (stages[0] as { name: string }).name = "changed";
    }).toThrow(TypeError);
  });

  it("a workspace without a pipeline is not remembered: each lookup asks the database again and says so", async () => {
    const pipelines = new PipelineService(counted);
    reads = [];
    await expect(pipelines.stages("no-such-workspace")).rejects.toThrow("This workspace has no pipeline yet.");
    await expect(pipelines.stages("no-such-workspace")).rejects.toThrow("This workspace has no pipeline yet.");
    expect(reads).toEqual(["no-such-workspace", "no-such-workspace"]);
  });
});
