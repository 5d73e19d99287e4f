/** How `omniforge config` (and anything else that prints settings) hides secrets. */
import { SETTINGS, type SettingKey } from "./settings.js";

export const MASK = "********";

/** The URL with its password (in the authority or a `password` query parameter) replaced by the mask. */
export function maskDatabaseUrl(url: string): string {
  // SQLite URLs hold no credentials; `new URL` would also mangle `sqlite::memory:`.
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  let masked = false;
  if (parsed.password !== "") {
    parsed.password = MASK;
    masked = true;
  }
  if (parsed.searchParams.has("password")) {
    parsed.searchParams.set("password", MASK);
    masked = true;
  }
  return masked ? parsed.toString() : url;
}

/** A setting's value as it may be shown. */
export function maskedValue(key: SettingKey, value: unknown): unknown {
  if (value === undefined) return undefined;
  switch (SETTINGS[key].secret) {
    case "value":
      return MASK;
    case "url-password":
      return maskDatabaseUrl(String(value));
    default:
      return value;
  }
}
