// Lint: for now only the regular-expression rules that keep user input from backtracking (issue #11).
// TypeScript 7 has no JavaScript API yet, so `typescript` in package.json is the TypeScript 6 API package
// that typescript-eslint's parser loads, and `tsc` comes from `@typescript/native` (TypeScript 7).
import tseslint from "typescript-eslint";
import regexp from "eslint-plugin-regexp";

export default [
  { ignores: ["src/generated/**"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser },
    plugins: { regexp },
    rules: {
      "regexp/no-super-linear-backtracking": ["error", { report: "potential" }],
      "regexp/no-super-linear-move": ["error", { report: "potential" }],
      "regexp/no-misleading-capturing-group": "error",
    },
  },
];
