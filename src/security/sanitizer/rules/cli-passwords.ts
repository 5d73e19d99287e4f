/**
 * Passwords on command lines: `--password` flags, the short flags of the tools that take one, and
 * `curl -u user:password`.
 *
 * Deliberate decisions:
 * - `curl -u user:password` / `--user user:password`: the credentials are redacted.
 * - CLI passwords: `--password=X`, `--password X`, `--db-password X`, `--passphrase X` (not
 *   `--password-stdin`, `--password-file`, a following `-flag`, `$VAR` or `"$(...)"`); glued `-pX`
 *   only for the MySQL family (`mysql -uroot -pS3cret`; a bare `-p` prompts and stays); `-p X` for
 *   sshpass, mongo/mongosh and `docker|podman ... login`; `-P X` for sqlcmd/bcp; `-a X` for
 *   redis-cli; `openssl -passin|-passout pass:X`. The tool is looked up in the same command (back
 *   to the line start, `;`, `|` or `&`), so `docker run -p 8080:80` and `ssh -p 2222` stay.
 *   `PGPASSWORD=X` / `MYSQL_PWD=X` are keyword values.
 */
import { regexRule, type Span, valueSpan } from "../rule.js";
import { plainValueSpan } from "./values.js";

/** `--password=X`, `--db-password X`, `--passphrase 'X'` (not `--password-stdin`). */
const CLI_LONG_PASSWORD =
  /(?<![\w\]-])--(?:[A-Za-z0-9]+-)*pass(?:word|wd|phrase)(?<sep>=|[ \t]+)(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|(?<v>[^\s"'\x60]{1,256}))/gi;

/**
 * A short password flag: `-pX` glued (the MySQL family), `-p X` (sshpass, mongo, `docker login`),
 * `-P X` (sqlcmd, bcp), `-a X` (redis-cli); which tool is decided from the command in code.
 */
const CLI_SHORT_PASSWORD =
  /(?<![\w\]-])-(?<flag>[pPa])(?<sp>[ \t]+)?(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|(?<v>[^\s"'\x60]{1,256}))/g;

/** `openssl ... -passin pass:X` / `-passout pass:X`. */
const OPENSSL_PASS_ARG = /(?<![\w\]-])-pass(?:in|out)[ \t]+["']?pass:(?<v>[^\s"']{1,256})/g;

/** `curl -u user:password`, `--user user:password`. */
const CLI_USER_CREDENTIALS = /(?<![\w\]-])(?:-u|--user)(?:[ \t]+|=)["']?(?<v>[^\s:"']{1,256}:[^\s"']+)/g;

/** The shell command a flag at `index` belongs to: back to the line start or `;`, `|`, `&`. */
function commandBefore(text: string, index: number): string {
  const before = text.slice(Math.max(0, index - 200), index);
  const cut = Math.max(
    before.lastIndexOf("\n"),
    before.lastIndexOf(";"),
    before.lastIndexOf("|"),
    before.lastIndexOf("&"),
  );
  return before.slice(cut + 1);
}

const MYSQL_CLIENT =
  /(?<![\w\]-])(?:mysql(?:dump|admin|import|check|show|sh|pump|slap|binlog)?|mariadb(?:-?(?:dump|admin|import|check|show))?|mycli)(?![\w[-])/;

/** Tools whose `-p` takes the password as the next argument. */
const SPACED_P_CLIENT =
  /(?<![\w\]-])(?:sshpass|mongo(?:sh|dump|restore|import|export|stat|top|files)?)(?![\w[-])|(?<![\w\]-])(?:docker|podman|nerdctl|buildah|skopeo|oras|helm[ \t]+registry)[ \t]+login(?![\w[-])/;

/** A cheap first check: the command names any tool whose short flag can carry a password. */
const ANY_PASSWORD_CLIENT = /(?:mysql|mariadb|mycli|sshpass|mongo|login|sqlcmd|bcp|osql|isql|redis-cli)/;

const SQLCMD_CLIENT = /(?<![\w\]-])(?:sqlcmd|bcp|osql|isql)(?![\w[-])/;

const REDIS_CLIENT = /(?<![\w\]-])redis-cli(?![\w[-])/;

/** `-pX` for the MySQL family; `-p X` for sshpass/mongo/registry logins; `-P X` sqlcmd; `-a X` redis-cli. */
function refineCliShortPassword(match: RegExpExecArray, text: string): Span | null {
  const groups = match.groups ?? {};
  const spaced = groups.sp !== undefined;
  const command = commandBefore(text, match.index);
  if (!ANY_PASSWORD_CLIENT.test(command)) return null;
  let known: boolean;
  if (groups.flag === "p") {
    known = SPACED_P_CLIENT.test(command) || (!spaced && MYSQL_CLIENT.test(command));
  } else if (groups.flag === "P") {
    known = SQLCMD_CLIENT.test(command);
  } else {
    known = REDIS_CLIENT.test(command);
  }
  return known ? plainValueSpan(match, spaced) : null;
}

export const CLI_LONG_PASSWORD_RULE = regexRule("secret", CLI_LONG_PASSWORD, (match) =>
  plainValueSpan(match, match.groups?.sep !== "="),
);
export const OPENSSL_PASS_ARG_RULE = regexRule("secret", OPENSSL_PASS_ARG, (match) =>
  plainValueSpan(match, false),
);
export const CLI_SHORT_PASSWORD_RULE = regexRule("secret", CLI_SHORT_PASSWORD, refineCliShortPassword);
export const CLI_USER_CREDENTIALS_RULE = regexRule("secret", CLI_USER_CREDENTIALS, valueSpan);
