/**
 * `user / password` pairs, labelled (`Username / Password: admin / P@ss`) or not (`root / calvin`).
 *
 * Deliberate decisions:
 * - `user / password` pairs: the password is redacted when it is password-shaped; a weaker value
 *   (`root / calvin`, `admin / admin`) needs a lowercase username that is a well-known default
 *   account (admin, root, sa, pi, ubnt, guest, postgres, ...) or a credential word on the same line
 *   (login, sign in, credentials, creds, user/pass). Without spaces (`admin/admin`) a credential
 *   label must come right before. Not pairs of labels (`username / password:`), lists
 *   (`admin / editor / viewer`), common pairs (`read / write`, `TCP / IP`, `dev / prod`), numbers
 *   (`Q3 / Q4`, `16 / 9`) or capitalised words (`Google / GitHub`). In `Username / Password: admin
 *   / P@ss` only the second half is redacted.
 */
import { regexRule, type Span, valueSpan } from "../rule.js";
import {
  FOREIGN_PASSWORD_LABELS,
  isStopValue,
  lineBefore,
  PATH,
  passwordShaped,
  plainValueSpan,
} from "./values.js";

/** `Username / Password: admin / P@ss`: the second half of the value pair is the password. */
const LABELLED_CREDENTIAL_PAIR = new RegExp(
  String.raw`(?<![\w\]])(?:user(?:[ _-]?name)?|login|benutzer(?:name)?|usuario|utilisateur|usu[áa]rio)[ \t]*\/[ \t]*` +
    String.raw`(?:pass(?:word|wd)?|pwd|pw|${FOREIGN_PASSWORD_LABELS})(?:[ \t]*[:=：]|[ \t]+(?:is|are))[ \t]*` +
    String.raw`[^\s/]{1,64}[ \t]*\/[ \t]*(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|(?<v>[^\s"'\x60]{1,128}))`,
  "gi",
);

/**
 * `admin / P@ssw0rd123`, `root / calvin`, `login: admin/admin`: a username, a slash and a password.
 * Whether it is one (and not `read / write`) is decided in code.
 */
const CREDENTIAL_PAIR =
  /(?<![\w.@/\\[\]-])(?<uq>["'\x60]?)(?<u>[A-Za-z0-9_][\w.@+-]{0,63})\k<uq>(?<sep>[ \t]+\/[ \t]+|\/)(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|\x60(?<q3>[^\x60\n]{1,200})\x60|(?<v>[^\s"'\x60/]{1,128}))/g;

/** Words that label the username half of a `user / password` pair rather than being one. */
const USER_LABELS = new Set(
  `username usernames user users user-name user_name userid user_id uid login logins email e-mail emails mail
name names id ids account accounts phone benutzer benutzername usuario utilisateur identifiant`.split(/\s+/),
);

/** Common second halves of `x / y` that are not passwords: `read / write`, `admin / editor`, `dev / prod`. */
const NOT_PASSWORDS = new Set(
  `write writes read reads execute exec or and ip udp tcp output outputs input inputs server servers client
clients off on no yes false true out in down up dark light dev prod production staging test testing qa
development editor editors viewer viewers member members moderator moderators owner owners reader readers
writer writers contributor contributors maintainer maintainers developer developers staff group groups
other others world everyone guest guests user users admin admins administrator root superuser operator
mysql postgres postgresql sqlite mongodb redis oracle mssql windows linux macos mac ios android
lowercase uppercase`.split(/\s+/),
);

const PASSWORD_WORD = new RegExp(
  String.raw`^(?:pass(?:word|wd|phrase)?|pwd|pw|pin|${FOREIGN_PASSWORD_LABELS})$`,
  "i",
);

/** Accounts that ship as defaults, so that `root / calvin` or `pi / raspberry` is credentials. */
const DEFAULT_USERS = new Set(
  `admin administrator root sa pi ubnt guest oracle elastic tomcat vagrant superuser sysadmin webadmin dbadmin
ec2-user postgres`.split(/\s+/),
);

/** Words on the same line that present the pair as credentials. */
const CREDENTIAL_CONTEXT =
  /(?:^|[^\p{L}])(?:log(?:ged)?[ -]?(?:in|on)|login|logon|sign(?:ed)?[ -]?in|credentials?|creds|default[ \t]+(?:login|user(?:name)?|account|password|pass)|user(?:name)?[ \t]*\/[ \t]*pass(?:word|wd)?|username[ \t]+and[ \t]+password|anmeld\w*|zugangsdaten|identifiants|credenciales|inicio[ \t]+de[ \t]+sesi[óo]n)(?![\p{L}])/iu;

/** A credential label right before the username: `login: `, `credentials `, `log in with `. */
const CREDENTIAL_LABEL_BEFORE =
  /(?:log(?:[ -]?in|on)|sign[ -]?in|credentials?|creds|default|user(?:name)?[ \t]*\/[ \t]*pass(?:word|wd)?)[ \t]*(?:[:=-]|(?:is|are|as|with|using)(?![\p{L}]))?[ \t]*["'\x60]?$/iu;

function refineCredentialPair(match: RegExpExecArray, text: string): Span | null {
  const groups = match.groups ?? {};
  const user = groups.u ?? "";
  const raw = valueSpan(match);
  if (raw === null || !/[A-Za-z]/.test(user)) return null;
  const before = lineBefore(text, match.index, 80);
  // Lists and paths: `admin / editor / viewer`, `Home / Settings / Security`.
  const after = text.slice(raw.end + (groups.v === undefined ? 1 : 0), raw.end + 8);
  if (/\/[ \t]*$/.test(before) || /^[ \t]*\//.test(after)) return null;
  // A label pair: `username / password:`.
  if (groups.v?.endsWith(":") === true || text.charAt(raw.end) === ":") return null;
  const span = plainValueSpan(match, false);
  if (span === null) return null;
  const value = text.slice(span.start, span.end);
  const lowerUser = user.toLowerCase();
  const lowerValue = value.toLowerCase();
  if (USER_LABELS.has(lowerUser) || isStopValue(user) || isStopValue(value)) return null;
  if (lowerValue !== lowerUser && (NOT_PASSWORDS.has(lowerValue) || lowerValue.startsWith("non-"))) {
    return null;
  }
  if (PATH.test(value) || /^\d{1,3}$/.test(value)) return null;
  // "username admin / password admin": a password label followed by its value is not the password.
  if (PASSWORD_WORD.test(value) && /^[ \t]*[:=]?[ \t]*[^\s:=]/.test(text.slice(span.end, span.end + 4))) {
    return null;
  }
  // `admin/admin` needs a label ("login: ", "credentials ") and a value that is not a plain word.
  if (groups.sep === "/") {
    const plausible = DEFAULT_USERS.has(lowerUser) || lowerValue === lowerUser || /[^A-Za-z]/.test(value);
    return plausible && CREDENTIAL_LABEL_BEFORE.test(before) ? span : null;
  }
  if (passwordShaped(value)) return span;
  // Weaker values need a lowercase username that is a default account or is presented as one.
  if (!/^[a-z0-9_][a-z0-9._@+-]*$/.test(user)) return null;
  return DEFAULT_USERS.has(lowerUser) || CREDENTIAL_CONTEXT.test(before) ? span : null;
}

export const LABELLED_CREDENTIAL_PAIR_RULE = regexRule("secret", LABELLED_CREDENTIAL_PAIR, (match) =>
  plainValueSpan(match, false),
);
export const CREDENTIAL_PAIR_RULE = regexRule("secret", CREDENTIAL_PAIR, refineCredentialPair);
