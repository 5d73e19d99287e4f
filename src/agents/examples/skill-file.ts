/**
 * Writing a skill file safely: the file name is a slug of the skill's name (letters, digits and
 * dashes only, so no path can escape the skills directory), an existing skill is never
 * overwritten (a `-2`, `-3`, ... suffix is added), and the content appears all at once (written
 * to a temp file, flushed, then hard-linked into place, which fails instead of replacing).
 */
import { createHash, randomUUID } from "node:crypto";
import { link, mkdir, open, rm } from "node:fs/promises";
import path from "node:path";
import { ConfigurationError } from "../../errors.js";
import { MAX_SKILL_FILE_SUFFIX, MAX_SKILL_SLUG_CHARS } from "./defaults.js";

// Device names Windows refuses as file names, whatever the extension.
const RESERVED = /^(?:con|prn|aux|nul|com\d|lpt\d)$/;

/** The file-name slug of a skill name: lowercase ASCII letters, digits and single dashes; "" when none is left. */
export function skillSlug(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_SKILL_SLUG_CHARS)
    .replace(/-+$/, "");
  return RESERVED.test(slug) ? `skill-${slug}` : slug;
}

/**
 * The folder (under the skills directory) one tenant's skills go to: its slug plus a short hash of
 * the id, so two tenants never share a folder — one tenant's skill names never show through
 * another's (`-2` suffixes) — and no tenant id can name a path.
 */
export function tenantSkillsFolder(tenantId: string): string {
  const hash = createHash("sha256").update(tenantId, "utf8").digest("hex").slice(0, 10);
  return `${skillSlug(tenantId).slice(0, 40) || "tenant"}-${hash}`;
}

function errnoCode(error: unknown): string | undefined {
  return error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
}

/**
 * Writes `content` as a new skill file named after `name` in `skillsDir` (created if missing) and
 * resolves to its absolute path. Never overwrites: `slack-alerts.md` taken -> `slack-alerts-2.md`.
 */
export async function writeSkillFile(options: {
  skillsDir: string;
  name: string;
  content: string;
}): Promise<string> {
  const dir = path.resolve(options.skillsDir);
  await mkdir(dir, { recursive: true });
  const slug = skillSlug(options.name) || "skill";
  const temp = path.join(dir, `.${slug}.${randomUUID()}.tmp`);
  const handle = await open(temp, "wx", 0o644);
  try {
    try {
      await handle.writeFile(options.content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    for (let n = 1; n <= MAX_SKILL_FILE_SUFFIX; n++) {
      const target = path.join(dir, n === 1 ? `${slug}.md` : `${slug}-${n}.md`);
      // The slug cannot contain separators or dots; this is the belt to that pair of braces.
      if (path.dirname(target) !== dir) throw new ConfigurationError(`Refusing to write outside ${dir}`);
      try {
        await link(temp, target);
        return target;
      } catch (error) {
        if (errnoCode(error) !== "EEXIST") throw error;
      }
    }
    throw new ConfigurationError(`No free file name for skill "${slug}" in ${dir}`);
  } finally {
    await rm(temp, { force: true });
  }
}
