/** A fixed secret keyring for tests that store agent credentials (never a production key). */
import { SecretKeyring } from "../../src/security/secret-keyring.js";

export const TEST_SECRETS = SecretKeyring.parse(`test:${Buffer.alloc(32, 42).toString("base64")}`);
