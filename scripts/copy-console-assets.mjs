// @ts-check
/**
 * Copies the web console's browser files (src/gateway/console: index.html, style.css, the ES
 * modules) to dist/gateway/console, where the built gateway serves them from. tsc does not copy
 * HTML or CSS, and the modules are served as written (type-checked JavaScript), so they are copied
 * rather than compiled. Type declarations (*.d.ts) are for the checker only and stay behind.
 *
 * Run by `npm run build` after `tsc -p tsconfig.build.json`.
 */
import { cpSync, existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const from = fileURLToPath(new URL("../src/gateway/console/", import.meta.url));
const to = fileURLToPath(new URL("../dist/gateway/console/", import.meta.url));

if (!existsSync(`${from}index.html`)) {
  throw new Error(`copy-console-assets: ${from}index.html is missing`);
}
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true, filter: (source) => !source.endsWith(".d.ts") });
process.stdout.write(`copy-console-assets: ${from} -> ${to}\n`);
