/** How `omniforge config` (and anything else that prints settings) hides secrets. */
import { SETTINGS, type SettingKey } from "./settings.js";

export const MASK = "********";

/** Query parameters whose value looks like a credential (`password`, `token`, `api_key`, `sig`, ...). */
const CREDENTIAL_PARAMETER = /pass|pwd|secret|token|key|auth|sig|credential/i;

/**
 * The URL with its credentials replaced by the mask: the password of its userinfo (or a lone user
 * name, often a token), and every credential-looking query parameter. A URL that holds none is
 * returned as given; one that cannot be parsed but may hold some (an `@` or a `?`) is masked whole.
 */
export function maskUrl(url: string): string {
  // SQLite URLs hold no credentials; `new URL` would also mangle `sqlite::memory:`.
  if (/^sqlite/.test(url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return /[@?]/.test(url) ? MASK : url;
  }
  let masked = false;
  if (parsed.password !== "") {
    parsed.password = MASK;
    masked = true;
  } else if (parsed.username !== "") {
    parsed.username = MASK;
    masked = true;
  }
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (CREDENTIAL_PARAMETER.test(name)) {
      parsed.searchParams.set(name, MASK);
      masked = true;
    }
  }
  return masked ? parsed.toString() : url;
}

/** The database URL with its credentials masked (see {@link maskUrl}). */
export const maskDatabaseUrl = maskUrl;

/** Comma-separated URLs (as a variable or a flag gives them), each with its credentials masked. */
export function maskUrlList(text: string): string {
  return text
    .split(",")
    .map((entry) => {
      const trimmed = entry.trim();
      return trimmed === "" ? entry : entry.replace(trimmed, maskUrl(trimmed));
    })
    .join(",");
}

/** A setting's value as it may be shown. */
export function maskedValue(key: SettingKey, value: unknown): unknown {
  if (value === undefined) return undefined;
  switch (SETTINGS[key].secret) {
    case "value":
      return MASK;
    case "url-password":
    case "url-credentials":
      return Array.isArray(value) ? value.map((url) => maskUrl(String(url))) : maskUrl(String(value));
    default:
      return value;
  }
}
