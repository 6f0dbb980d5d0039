// What a newcomer cannot find in the README does not exist: every command's usage line is documented.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../src/commands/registry.ts";

const readme = readFileSync(path.resolve(import.meta.dirname, "../README.md"), "utf8");

describe("README", () => {
  it("lists every command of the registry with its usage", () => {
    const missing = commands.map((c) => c.usage).filter((u) => !readme.includes(u));
    expect(missing).toEqual([]);
  });
  it("shows the two commands a newcomer needs", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
  });
});
