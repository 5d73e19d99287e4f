import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "coverage/**",
      "**/*.js",
      "!eslint.config.js",
      // The web console's browser modules: JavaScript, type-checked by tsc (checkJs) and linted here.
      "!src/gateway/console/*.js",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Type-aware rules: a floating or misused promise in this promise-heavy code is a bug the
    // compiler does not catch. Every file here belongs to tsconfig.json, so one program serves all
    // (`project` rather than `projectService`: the service built the program twice, about 7 s more).
    files: [
      "src/**/*.ts",
      "test/**/*.ts",
      "bench/**/*.ts",
      "scripts/**/*.ts",
      "scripts/**/*.mjs",
      "src/gateway/console/*.js",
    ],
    languageOptions: {
      parserOptions: {
        project: "./tsconfig.json",
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**"],
    rules: { "no-console": "error" },
  },
  {
    // Browser and build-script JavaScript: tsc checks every name (checkJs), as it does for .ts files.
    files: ["src/gateway/console/*.js", "scripts/**/*.mjs"],
    rules: { "no-undef": "off" },
  },
  {
    files: ["src/gateway/console/*.js"],
    rules: {
      "no-console": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
