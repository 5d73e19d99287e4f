/**
 * What the secret rules share: the words and shapes that mark a value as not a secret (ordinary
 * words, placeholders, code, paths, lengths), the shapes that mark it as one, and the value
 * extraction most of them use.
 */
import { type Span, TRAILING_PUNCTUATION, valueSpan } from "../rule.js";
import { ANY_TOKEN, TOKEN_ANYWHERE } from "../tokens.js";

/**
 * Password labels in other languages (German, Spanish, French, Portuguese, Dutch, Polish, Japanese,
 * Russian, Chinese, Korean, Swedish). `senha` must start a word (not `resenha`, a review).
 */
export const FOREIGN_PASSWORD_LABELS = [
  "passwort",
  "kennwort",
  "contrase[ñn]a",
  String.raw`mot[ \t]+de[ \t]+passe`,
  "(?<![A-Za-zÀ-ÿ])senha",
  "palavra-passe",
  "wachtwoord",
  "has[łl]o",
  "パスワード",
  "пароль",
  "密码",
  "密碼",
  "비밀번호",
  "lösenord",
].join("|");

/** Ordinary words that follow "password is" / "password:" without being the password. */
export const STOP_WORDS = new Set(
  `
a an the this that these those it its it's my your his her our their mine yours whose which what who
whom where when why how here there now then still also just only even ever never always usually often
sometimes currently generally typically already yet soon again not no none nothing null nil undefined
nan n/a na tbd todo tba unknown unset empty blank missing absent hidden masked redacted omitted
required mandatory optional needed necessary recommended compulsory enforced
incorrect correct invalid valid wrong right bad good great fine ok okay best better worse worst
too very quite so really rather pretty extremely
weak strong stronger weaker secure insecure safe unsafe risky simple complex easy hard short long
shorter longer old new older newer same different similar unique identical common obvious random
expired expiring expire expires stale current temporary permanent default initial
changed changing change reset resetting set setting updated updating rotated stored saved kept sent
shown displayed visible case-sensitive case-insensitive sensitive insensitive
locked unlocked disabled enabled active inactive pending complete incomplete
being been be is are was were will would should must can could may might shall
has have had does do did done doing get got
to of in on at by for from with without within into onto about above below under over after before
between through during until since via per as like than
and or but nor if because while though although unless whether
one two three all any some each every other another many much more most less least few several
case length format policy rules rule requirements requirement strength field prompt hint reminder
manager managers vault protected encrypted hashed salted
see check click use enter type contact ask visit follow call go refer read provide choose
string str number int integer boolean bool true false object void char text varchar bytes
something anything everything nobody somebody someone anyone everyone
due ours theirs
await new yield typeof function async return let const var
`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

/**
 * Words that describe a password after a foreign label ("Passwort: mindestens 12 Zeichen",
 * "contraseña: obligatoria", "mot de passe : trop court", "パスワード：必須").
 */
const FOREIGN_DESCRIPTIVE_WORDS = new Set(
  `
mindestens höchstens maximal minimal min mind max muss müssen sollte soll ist sind wird zu nicht kein keine
falsch ungültig erforderlich notwendig pflicht pflichtfeld optional vergessen ändern zurücksetzen leer
geändert abgelaufen kurz lang sicher unsicher stark schwach bitte eingeben siehe neu neues alt gesetzt
gespeichert verschlüsselt zeichen
mínimo minimo máximo maximo debe deben son al menos obligatoria obligatorio requerida requerido incorrecta
incorrecto inválida invalida olvidada vacía vacia nueva actual segura débil fuerte cambiar restablecer
caracteres introduzca ingrese sin
au moins doit doivent est obligatoire requis requise incorrecte invalide oublié oubliée vide trop court
courte longue nouveau nouvelle actuel actuelle caractères minimum maximum avec pour sans voir saisir
entrez votre faible forte sécurisé modifier réinitialiser changer
obrigatória obrigatório obrigatoria obrigatorio pelo mínimo deve devem é incorreta incorreto inválido
esqueceu esqueci vazia nova atual fraca alterar redefinir trocar digite sua seu
minimaal maximaal minstens ten moet moeten verplicht onjuist ongeldig vergeten leeg nieuw nieuwe huidig
huidige zwak sterk wijzigen resetten tekens uw
co najmniej wymagane wymagany wymagana musi jest nieprawidłowe nieprawidłowy błędne niepoprawne
zapomniane puste nowe aktualne słabe silne zmień zmienić znaków znaki twoje maks
必須 未設定 任意 なし 不要 変更 再設定 入力 半角英数字 英数字
`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

const LONGEST_STOP_WORD = Math.max(
  ...[...STOP_WORDS, ...FOREIGN_DESCRIPTIVE_WORDS].map((word) => word.length),
);

export function isStopValue(value: string): boolean {
  if (value.length <= LONGEST_STOP_WORD) {
    const lower = value.toLowerCase();
    if (STOP_WORDS.has(lower) || FOREIGN_DESCRIPTIVE_WORDS.has(lower)) return true;
  }
  return /^[a-z]{3,}(?:ed|ly|able|ible)$/.test(value);
}

const PLACEHOLDER_SHAPE =
  /^(?:\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%\(?\w+\)?s?|\{\{.*\}\}|<[^>]*>|\*+|•+|#{3,}|\.{2,}|…|x{3,}|X{3,}|[A-Z]+(?:_[A-Z0-9]+)+|(?:your|my|insert|replace|enter)[-_ ].*)$/;

/** `${VAR}`, `<password>`, `********`, `your-key`, `token_here`, ... (values never hold a line break). */
export function isPlaceholder(value: string): boolean {
  // `-here`/`_here` as a string check: `/^.*[-_]here$/` walks the whole value for every candidate.
  const here = value.length >= 5 && value.endsWith("here") && "-_".includes(value.charAt(value.length - 5));
  return here || PLACEHOLDER_SHAPE.test(value);
}

/** The start of a code expression: `process.env.X`, `config.password`. */
export const CODE_OBJECT_START =
  /^(?:this|self|process\.env|os\.environ|req|request|config|settings|env|options|opts|args|params|input|form|user|data|body)\.[\w$]/;

/** Code-like values: `getPassword()`, `env['X']`, `process.env.X`, `config.password`. */
const CODE_EXPRESSION = new RegExp(String.raw`[()]|\w\[|${CODE_OBJECT_START.source}`);

export const PATH = /^(?:~|\.{1,2})?\/[\w.-]*(?:\/[\w.-]*)*$/;

/**
 * "8 characters": a number that is a length, not a PIN (also "12 Zeichen", "8 caractères", "8 tekens",
 * "8 znaków"). A token there was a unit-like word too.
 */
export const FOLLOWED_BY_UNIT = new RegExp(
  String.raw`^[ \t]+(?:${ANY_TOKEN}|(?:characters?|chars?|digits?|letters?|symbols?|words?|bytes?|bits?|times?|attempts?|tries|days?|weeks?|months?|years?|hours?|minutes?|seconds?|or more|or fewer|minimum|maximum` +
    String.raw`|zeichen|stellen|ziffern|buchstaben|caracteres|car[áa]cteres|caract[èe]res|chiffres|d[íi]gitos|lettres|letras|tekens|cijfers|letters|znak[óo]w|znaki|cyfr)(?![\p{L}\p{N}]))`,
  "iu",
);

/** Algorithm, encoding and protocol names that follow "password" without being one ("password SHA256"). */
export const ALGORITHM_NAME =
  /^(?:sha-?\d*|sha3(?:-\d+)?|md[2-6]|argon2(?:id|i|d)?|pbkdf2|bcrypt|scrypt|yescrypt|aes-?\d*|des3?|3des|rsa-?\d*|ecdsa\d*|ed25519|hmac(?:-?sha\d*)?|ntlm(?:v2)?|base\d+|utf-?\d+|rot\d+|x509|oauth2?|http[s23]?|ipv[46]|tls(?:v?1(?:\.\d)?)?|ssl(?:v\d)?|crc\d+|2fa|mfa|v\d+(?:\.\d+)*)$/i;

/** Six or more characters from at least three of: lowercase, uppercase, digits, symbols. */
export function passwordShaped(value: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(value)).length;
  return value.length >= 6 && classes >= 3;
}

/** The longest unquoted keyword value the regex reads; a longer one is judged on this much of it. */
export const VALUE_WINDOW = 256;

/** `value` without trailing {@link TRAILING_PUNCTUATION} (a loop: `/[...]+$/` rescans from every position). */
function trimTrailingPunctuation(value: string): string {
  let end = value.length;
  while (end > 0 && TRAILING_PUNCTUATION.includes(value.charAt(end - 1))) end -= 1;
  return value.slice(0, end);
}

/**
 * The span of a `q1`/`q2`/`q3`/`v` value that is not a placeholder, shell variable, code or token;
 * unquoted values lose trailing punctuation. `spaced` values (after a space, not `=` or glued) must
 * also not be a flag (`-x`) or an ordinary word.
 */
export function plainValueSpan(match: RegExpExecArray, spaced: boolean): Span | null {
  const groups = match.groups ?? {};
  const quoted = groups.q1 ?? groups.q2 ?? groups.q3;
  const span = valueSpan(match);
  if (span === null) return null;
  let value = quoted ?? groups.v ?? "";
  if (/^\$/.test(value) || TOKEN_ANYWHERE.test(value)) return null;
  if (quoted === undefined) {
    if (spaced && value.startsWith("-")) return null;
    if (/^[([{<]/.test(value) || isPlaceholder(value) || CODE_EXPRESSION.test(value)) return null;
    value = trimTrailingPunctuation(value);
  }
  const trimmed = value.trim();
  if (!/[\p{L}\p{N}]/u.test(trimmed) || isPlaceholder(trimmed)) return null;
  if (spaced && (isStopValue(trimmed) || CLI_WORDS.has(trimmed.toLowerCase()))) return null;
  return { start: span.start, end: span.start + value.length };
}

/** Words that follow `--password` in prose about the flag. */
const CLI_WORDS = new Set(
  "flag flags option options argument arguments arg args parameter parameters param params switch instead prompt".split(
    " ",
  ),
);

export function lineBefore(text: string, index: number, length: number): string {
  const before = text.slice(Math.max(0, index - length), index);
  return before.slice(before.lastIndexOf("\n") + 1);
}
