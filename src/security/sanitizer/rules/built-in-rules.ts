/** The built-in rules, in the one priority order they run in. */
import type { Rule } from "../rule.js";
import {
  CLI_LONG_PASSWORD_RULE,
  CLI_SHORT_PASSWORD_RULE,
  CLI_USER_CREDENTIALS_RULE,
  OPENSSL_PASS_ARG_RULE,
} from "./cli-passwords.js";
import { EMAIL_RULE, PHONE_RULES } from "./contact.js";
import { CREDENTIAL_PAIR_RULE, LABELLED_CREDENTIAL_PAIR_RULE } from "./credential-pairs.js";
import { CARD_RULE, CARD_VERIFICATION_RULE, IBAN_RULE } from "./financial.js";
import { DOB_RULE, SSN_RULES } from "./identity.js";
import {
  BASIC_AUTH_RULE,
  BEARER_RULE,
  JWT_RULE,
  PRIVATE_KEY_RULE,
  VENDOR_KEY_RULE,
} from "./keys-and-tokens.js";
import { KEYWORD_VALUE_RULE, PASS_LABEL_RULE, XML_SECRET_RULE } from "./keyword-values.js";
import { AZURE_SECRET_RULE, HOST_CREDENTIALS_RULE, URL_CREDENTIALS_RULE, WEBHOOK_RULE } from "./urls.js";

/**
 * Priority order: an earlier rule's span wins over any later overlapping match, and each rule reads
 * the text with the earlier rules' spans already replaced by tokens.
 */
export const BUILT_IN_RULES: readonly Rule[] = [
  PRIVATE_KEY_RULE,
  WEBHOOK_RULE,
  URL_CREDENTIALS_RULE,
  JWT_RULE,
  BEARER_RULE,
  BASIC_AUTH_RULE,
  // Before keyword values, which would take `SharedAccessKey=...` up to the next space.
  AZURE_SECRET_RULE,
  CLI_LONG_PASSWORD_RULE,
  OPENSSL_PASS_ARG_RULE,
  CLI_SHORT_PASSWORD_RULE,
  LABELLED_CREDENTIAL_PAIR_RULE,
  KEYWORD_VALUE_RULE,
  PASS_LABEL_RULE,
  CLI_USER_CREDENTIALS_RULE,
  HOST_CREDENTIALS_RULE,
  CREDENTIAL_PAIR_RULE,
  XML_SECRET_RULE,
  VENDOR_KEY_RULE,
  EMAIL_RULE,
  // Before SSNs, cards and phones, which would take digit groups of an IBAN or a birth date.
  IBAN_RULE,
  DOB_RULE,
  ...SSN_RULES,
  CARD_RULE,
  CARD_VERIFICATION_RULE,
  ...PHONE_RULES,
];
