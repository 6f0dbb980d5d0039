// The layering rules of ARCHITECTURE.md ("Layers and the rules CI checks"), checked by `npm run lint`:
//   depcruise src adapters jobs --config .dependency-cruiser.cjs
// Type-only imports count (a type is a dependency too). src/app.ts, src/main.ts and src/cli/* are the
// composition roots: no rule below names them, so they may import everything.
// `process.env` outside src/config is not an import: eslint.config.js forbids it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle makes two modules one: neither can be read, tested or moved alone.",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-not-to-outer-layers",
      severity: "error",
      comment:
        "The CRM rules know nothing of the surfaces, the commands, the queues or the drawing: they return data or a neutral Reply (src/reply).",
      from: { path: "^src/domain/" },
      to: { path: ["^adapters/", "^jobs/", "^src/render/", "^src/commands/"] },
    },
    {
      name: "domain-not-to-platforms",
      severity: "error",
      comment: "No Express and no Slack or Discord SDK in the domain: adapters translate.",
      from: { path: "^src/domain/" },
      to: { path: "(^|/)node_modules/(@types/)?(express|discord\\.js|@slack/[^/]+|@discordjs/[^/]+)/" },
    },
    {
      name: "adapters-not-to-prisma",
      severity: "error",
      comment: "Adapters call commands and services; they never read or write the database themselves.",
      from: { path: "^adapters/" },
      to: { path: ["(^|/)node_modules/@prisma/", "^src/db/", "^src/generated/"] },
    },
    {
      name: "render-not-to-domain",
      severity: "error",
      comment: "Render draws plain data into a Reply: it defines the shapes it needs instead of importing the domain's.",
      from: { path: "^src/render/" },
      to: { path: "^src/domain/" },
    },
    {
      name: "jobs-not-to-adapters",
      severity: "error",
      comment: "Workers reach a platform only through ports that src/app.ts hands them (ChatDelivery, the ticket-thread opener).",
      from: { path: "^jobs/" },
      to: { path: "^adapters/" },
    },
    {
      name: "neutral-values-stay-neutral",
      severity: "error",
      comment: "src/parse and src/reply are imported by every layer, so they import none of ours (but src/errors.ts).",
      from: { path: "^src/(parse|reply)/" },
      to: { path: ["^adapters/", "^jobs/", "^src/(?!parse/|reply/|errors\\.ts$)"] },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules", "^src/generated/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    skipAnalysisNotInRules: true,
  },
};
