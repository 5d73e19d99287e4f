/**
 * Secrets in URLs and connection strings: the `user:password` of `scheme://user:password@host` and
 * of scheme-less `user:password@host`, Slack and Discord webhook URLs, and Azure account keys and
 * SAS signatures.
 *
 * Deliberate decisions:
 * - `user:password@host` without a scheme: the whole `user:password` is redacted when the host is
 *   an IP, `[v6]`, `localhost`, a dotted name, or any name followed by `:port`. Not `12:30@home`
 *   (no letter in the user), `image:tag@sha256:...`, `chown www-data:www-data`, nor a label glued
 *   to an email (`email:`, `mailto:`, `Contact:`, `sip:` — a capitalised word before the colon is a
 *   label unless the host is an IP).
 * - Slack (`hooks.slack.com/services/T.../B.../...`, workflows, triggers) and Discord
 *   (`discord[app].com/api[/vN]/webhooks/<id>/<token>`) webhook URLs are redacted whole, scheme and
 *   query included, up to whitespace, a quote, `<>` or `|`; trailing sentence punctuation and `)`
 *   are not part of them. Docs links, `{webhook.token}` and `XXXX...` placeholders stay.
 * - Azure: the values of `AccountKey=`, `SharedAccessKey=` and `sig=` up to `;`, `&`, a quote or
 *   whitespace (a trailing `.`/`,`/`)` excluded); `SharedAccessKeyName=` is not a secret, and
 *   placeholders (`<key>`, `${KEY}`, `...`) stay.
 */
import { type ForwardScan, groupSpan, regexRule, type Span } from "../rule.js";
import { ANY_TOKEN, TOKEN_ANYWHERE } from "../tokens.js";
import { isPlaceholder, isStopValue, VALUE_WINDOW } from "./values.js";

/** `scheme://user:password@host`: the userinfo (up to the last `@` before the path) is redacted. */
const URL_CREDENTIALS = new RegExp(
  String.raw`(?<![A-Za-z0-9+.\]-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/(?<v>[^\s/?#@:[\]]*:[^\s/?#[\]]+)@(?=[A-Za-z0-9]|(?!${ANY_TOKEN})\[)`,
  "g",
);

/**
 * Slack and Discord webhook URLs carry their secret in the path: the whole URL is redacted, up to
 * whitespace, a quote, `<>` or `|` (trailing sentence punctuation is trimmed in code). Docs links and
 * placeholder paths (`{webhook.token}`, `XXXX…`) do not match or are rejected.
 */
const WEBHOOK_URL =
  /(?<![\w.@/\]-])(?:https?:\/\/)?(?:hooks\.slack\.com\/(?:services\/T\w+\/B\w+\/(?<slack>\w+)|(?:workflows|triggers)\/T\w+(?:\/\w+){1,2}\/(?<flow>\w+))|(?:(?:ptb|canary)\.)?discord(?:app)?\.com\/api(?:\/v\d{1,2})?\/webhooks\/\d{5,}\/(?<discord>[\w-]+))/gi;

/** Where a webhook URL ends, or a token inside it. */
const TOKEN_OR_URL_END = new RegExp(String.raw`${ANY_TOKEN}|[\s"'\x60<>|]`, "g");

/** Sentence punctuation and markup that can follow a URL without being part of it. */
const URL_TRAILING = ".,;:!?)]}*";

function refineWebhook(match: RegExpExecArray, text: string, scan: ForwardScan): Span | null {
  const groups = match.groups ?? {};
  const secret = groups.slack ?? groups.flow ?? groups.discord ?? "";
  if (isPlaceholder(secret) || /^(?:x+|0+)$/i.test(secret)) return null;
  // The URL runs on to whitespace, a quote, `<>` or `|`. A token in it is judged before trimming,
  // which could cut the token in half.
  const end = scan.next(TOKEN_OR_URL_END, match.index);
  if (text.charAt(end) === "[") return null;
  return { start: match.index, end: scan.trimEnd(end, match.index, URL_TRAILING) };
}

/**
 * Azure storage / Service Bus connection strings and SAS URLs: the key or signature value, which
 * starts at the last character of the match and runs to {@link AZURE_VALUE_END} (found in code).
 */
const AZURE_SECRET = /(?<![\w\]-])(?:AccountKey|SharedAccessKey|sig)[ \t]*=[ \t]*[^;&\s"'\x60<>[\]]/gi;

const AZURE_VALUE_END = /[;&\s"'\x60<>[\]]/g;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/gu;

function refineAzureSecret(match: RegExpExecArray, text: string, scan: ForwardScan): Span | null {
  const start = match.index + match[0].length - 1;
  const rawEnd = scan.next(AZURE_VALUE_END, start);
  // A long value is judged on its start (as keyword values are), so that many keys in one long
  // value cost a bounded amount each.
  const raw = text.slice(start, Math.min(rawEnd, start + VALUE_WINDOW));
  if (/^[$({]/.test(raw) || isPlaceholder(raw) || scan.next(LETTER_OR_DIGIT, start) >= rawEnd) return null;
  const end = scan.trimEnd(rawEnd, start, ".,)]}");
  const value = text.slice(start, Math.min(end, start + VALUE_WINDOW));
  if (value.length === 0 || isPlaceholder(value) || isStopValue(value)) return null;
  if (/^(?:key|value|string|base64|signature|secret|sig)$/i.test(value)) return null;
  return { start, end };
}

/**
 * `root:toor@10.0.0.5` without a scheme: `user:password` before `@host` is redacted. The host is
 * checked in code (an IP, `localhost`, a dotted name, or any name followed by a port).
 */
const HOST_CREDENTIALS =
  /(?<![\w.+:/@\\[\]%-])(?<v>[A-Za-z0-9_][\w.-]{0,63}:[^\s:/"'\x60<>,;@[\]]{1,128}(?:@[^\s:/"'\x60<>,;@[\]]{1,64}){0,3})@(?<host>\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252})(?![\w@-])/dg;

/** Labels glued to an address with a colon (`email:x@y.com`), not a username. */
const ADDRESS_LABELS = new Set(
  `email e-mail mail mailto contact from to cc bcc reply-to sender recipient author by at via user username
login sip sips xmpp tel im skype note see ping ask kontakt correo courriel http https ftp ftps sftp ssh git svn smtp
imap pop pop3 ldap ldaps irc news nntp webcal geo callto facetime telnet`.split(/\s+/),
);

function refineHostCredentials(match: RegExpExecArray, text: string): Span | null {
  const groups = match.groups ?? {};
  const userinfo = groups.v ?? "";
  const user = userinfo.slice(0, userinfo.indexOf(":"));
  const password = userinfo.slice(userinfo.indexOf(":") + 1);
  if (!/[A-Za-z]/.test(user) || ADDRESS_LABELS.has(user.toLowerCase())) return null;
  if (isPlaceholder(password) || /^\$/.test(password)) return null;
  const host = (groups.host ?? "").replace(/[.-]+$/, "");
  const hostEnd = (match.indices?.groups?.host?.[0] ?? 0) + host.length;
  const literal =
    /^(?:\d{1,3}\.){3}\d{1,3}$/.test(host) || host.startsWith("[") || host.toLowerCase() === "localhost";
  // A capitalised word before the colon is a label ("Email:", "Kontakt:") unless the host is an IP.
  if (/^[A-Z][a-z]+$/.test(user) && !literal) return null;
  if (/^sha\d+$/i.test(host)) return null;
  const dotted = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*$/.test(host);
  const port = /^:\d{1,5}(?![\w:])/.test(text.slice(hostEnd, hostEnd + 7));
  return literal || dotted || port ? groupSpan(match, "v") : null;
}

export const WEBHOOK_RULE = regexRule("secret", WEBHOOK_URL, refineWebhook);

export const URL_CREDENTIALS_RULE = regexRule("secret", URL_CREDENTIALS, (match) => {
  // The userinfo ends right before the `@` that ends the match.
  const userinfo = match.groups?.v ?? "";
  const end = match.index + match[0].length - 1;
  return TOKEN_ANYWHERE.test(userinfo) ? null : { start: end - userinfo.length, end };
});

export const AZURE_SECRET_RULE = regexRule("secret", AZURE_SECRET, refineAzureSecret);

export const HOST_CREDENTIALS_RULE = regexRule("secret", HOST_CREDENTIALS, refineHostCredentials);
