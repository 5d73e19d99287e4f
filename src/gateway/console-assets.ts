/**
 * The web console's files: `console/index.html`, its stylesheet and its ES modules (type-checked
 * JavaScript), read once from the folder beside this module — `src/gateway/console/` when run from
 * source, `dist/gateway/console/` after `npm run build` (which copies the folder) — plus the two
 * browser modules it imports from node_modules: `marked` (Markdown) and `dompurify` (sanitizing).
 * Everything is served from this origin, so the page's CSP allows no inline code and no other host.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigurationError } from "../errors.js";

/** One file the console loads, with its media type. */
export interface ConsoleAsset {
  readonly body: string;
  readonly contentType: string;
}

/** The console page and the files under `/console/`. */
export interface ConsoleAssets {
  /** `index.html`. */
  readonly page: string;
  /** A file under `/console/` by name (`app.js`, `style.css`, `marked.js`...), or undefined. */
  asset(name: string): ConsoleAsset | undefined;
}

/**
 * Only this origin's scripts, stylesheets and connections; images from this origin or `data:`;
 * no plugins, frames, forms posting elsewhere or `<base>` tricks.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Where the console's own files are: the `console/` folder next to this module. */
export const CONSOLE_DIRECTORY = fileURLToPath(new URL("./console/", import.meta.url));

const MEDIA_TYPES: Readonly<Record<string, string>> = Object.freeze({
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
});

let loaded: ConsoleAssets | undefined;

/**
 * Reads the console's files (once per process). Throws {@link ConfigurationError} naming the
 * folder when they are missing, e.g. a `dist/` built without the copy step.
 */
export function consoleAssets(directory: string = CONSOLE_DIRECTORY): ConsoleAssets {
  if (directory === CONSOLE_DIRECTORY && loaded) return loaded;
  const assets = readConsoleAssets(directory);
  if (directory === CONSOLE_DIRECTORY) loaded = assets;
  return assets;
}

function readConsoleAssets(directory: string): ConsoleAssets {
  const indexFile = path.join(directory, "index.html");
  if (!existsSync(indexFile)) {
    throw new ConfigurationError(
      `The web console's files are missing: ${indexFile} does not exist. ` +
        "From a checkout, run `npm run build` (it copies src/gateway/console to dist/gateway/console).",
    );
  }
  const files = new Map<string, ConsoleAsset>();
  for (const name of readdirSync(directory)) {
    const contentType = MEDIA_TYPES[path.extname(name)];
    if (contentType) files.set(name, { body: readFileSync(path.join(directory, name), "utf8"), contentType });
  }
  for (const [name, file] of Object.entries(vendorFiles())) {
    files.set(name, { body: withoutSourceMap(readFileSync(file, "utf8")), contentType: MEDIA_TYPES[".js"]! });
  }
  const page = readFileSync(indexFile, "utf8");
  return { page, asset: (name) => files.get(name) };
}

/** The browser ES module builds of the console's two dependencies. */
function vendorFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const resolve = (label: string, find: () => string): string => {
    let file: string;
    try {
      file = find();
    } catch (error) {
      throw new ConfigurationError(`The web console needs the "${label}" package: npm install ${label}`, {
        cause: error,
      });
    }
    if (!existsSync(file)) {
      throw new ConfigurationError(`The web console needs ${file} (from "${label}"), which is missing`);
    }
    return file;
  };
  return {
    // marked's only entry is its ES module build.
    "marked.js": resolve("marked", () => require.resolve("marked")),
    // dompurify resolves to its CommonJS build under require; its ES module build sits beside it.
    "purify.js": resolve("dompurify", () =>
      path.join(path.dirname(require.resolve("dompurify")), "purify.es.mjs"),
    ),
  };
}

/** Drops the `sourceMappingURL` comment: the maps are not served. */
function withoutSourceMap(source: string): string {
  return source.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
}
