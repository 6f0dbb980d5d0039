// Lint (`npm run lint`, which also checks the layers with .dependency-cruiser.cjs; ARCHITECTURE.md says why):
// the regular-expression rules that keep user input from backtracking (issue #11) and a small set of house
// rules (issue #12). No typed rules: they would parse the whole program on every run.
// TypeScript 7 has no JavaScript API yet, so `typescript` in package.json is the TypeScript 6 API package
// that typescript-eslint's parser loads, and `tsc` comes from `@typescript/native` (TypeScript 7).
import tseslint from "typescript-eslint";
import regexp from "eslint-plugin-regexp";

const ENV_MESSAGE = "Read settings in src/config/env.ts (one zod schema) and pass them in through src/app.ts.";

// Entry points that talk to a terminal: the process entry and the command-line tools.
const CONSOLE_OK = ["src/main.ts", "src/cli/**", "adapters/**/*-cli.ts", "bench/**"];
// Where process.env may be read: the config itself, and entry points that read their own flags' fallbacks
// (src/cli: ENCRYPTION_KEY_OLD, SEED_VERBOSE) or set up a process for a run (bench/, test/, prisma/, .config/;
// `npm run lint` does not lint those four).
const ENV_OK = ["src/config/**", "src/cli/**", "bench/**", "test/**", "prisma/**", ".config/**"];

export default [
  { ignores: ["src/generated/**"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser },
    plugins: { regexp, "@typescript-eslint": tseslint.plugin },
    rules: {
      "regexp/no-super-linear-backtracking": ["error", { report: "potential" }],
      "regexp/no-super-linear-move": ["error", { report: "potential" }],
      "regexp/no-misleading-capturing-group": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
      // `x == null` (null or undefined) is the one loose comparison the code uses on purpose
      eqeqeq: ["error", "always", { null: "ignore" }],
      // a `let` that a closure reads before its one assignment (main.ts's app, for a signal during start-up) stays let
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // services log through pino (src/log.ts): structured, redacted, at a level
      "no-console": "error",
      "no-restricted-properties": ["error", { object: "process", property: "env", message: ENV_MESSAGE }],
      "no-restricted-imports": [
        "error",
        { paths: ["process", "node:process"].map((name) => ({ name, importNames: ["env"], message: ENV_MESSAGE })) },
      ],
    },
  },
  { files: CONSOLE_OK, rules: { "no-console": "off" } },
  { files: ENV_OK, rules: { "no-restricted-properties": "off", "no-restricted-imports": "off" } },
];
