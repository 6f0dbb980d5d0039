// `npm run test:chaos`: fault tests with several real processes (servers and workers as child processes).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/chaos/**/*.chaos.ts"],
    globalSetup: ["test/setup/global.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
