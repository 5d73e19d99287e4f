/**
 * Secrets recognisable by their own shape: PEM private keys, JWTs, bearer and basic credentials,
 * and vendor API keys (OpenAI, Anthropic, Stripe, AWS, GitHub, Slack, Google, GitLab, npm, Hugging
 * Face).
 *
 * Deliberate decisions:
 * - A PEM private key block without its END line is redacted up to the next `-----` or the end.
 */
import { regexRule, type Span, valueSpan } from "../rule.js";

const PEM_PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[^-]*(?:-(?!----)[^-]*)*(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?/g;

const JWT = /(?<![\w-])eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}(?:\.[\w-]+){0,2}(?![\w-])/g;

const BEARER = /(?<![A-Za-z0-9\]])[Bb]earer[ \t]+(?<v>[A-Za-z0-9\-._~+/]+=*)/g;

const BASIC_AUTH =
  /(?<![\w\]])authorization["']?[ \t]*[:=][ \t]*["']?basic[ \t]+(?<v>[A-Za-z0-9+/]{8,}={0,2})/gi;

const VENDOR_KEY = new RegExp(
  String.raw`(?<![A-Za-z0-9_-])(?:` +
    [
      String.raw`sk-(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}`, // OpenAI, Anthropic
      String.raw`(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}`, // Stripe secret / restricted
      String.raw`whsec_[A-Za-z0-9]{20,}`, // Stripe webhook secret
      String.raw`(?:AKIA|ASIA)[0-9A-Z]{16}`, // AWS access key id
      String.raw`gh[pousr]_[A-Za-z0-9]{30,}`, // GitHub
      String.raw`github_pat_[A-Za-z0-9_]{30,}`,
      String.raw`xox[baprs]-[A-Za-z0-9-]{10,}`, // Slack
      String.raw`AIza[0-9A-Za-z_-]{35}`, // Google
      String.raw`glpat-[A-Za-z0-9_-]{20,}`, // GitLab
      String.raw`npm_[A-Za-z0-9]{36}`,
      String.raw`hf_[A-Za-z0-9]{30,}`, // Hugging Face
    ].join("|") +
    String.raw`)(?![A-Za-z0-9_-])`,
  "g",
);

function refineBearer(match: RegExpExecArray): Span | null {
  const span = valueSpan(match);
  const value = match.groups?.v ?? "";
  const tokenish = (value.length >= 8 && /\d/.test(value) && /[A-Za-z]/.test(value)) || value.length >= 20;
  return tokenish && !/^[a-z]+$/.test(value) ? span : null;
}

export const PRIVATE_KEY_RULE = regexRule("secret", PEM_PRIVATE_KEY);
export const JWT_RULE = regexRule("secret", JWT);
export const BEARER_RULE = regexRule("secret", BEARER, refineBearer);
export const BASIC_AUTH_RULE = regexRule("secret", BASIC_AUTH, valueSpan);
export const VENDOR_KEY_RULE = regexRule("secret", VENDOR_KEY);
