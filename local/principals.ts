import { readFileSync } from "node:fs";
import { isRegistryRole, type RegistryRole, registryRoles } from "../functions/http/roles.ts";
import { LocalModeError } from "./local-mode-error.ts";

/** The account every local principal belongs to (API Gateway's `requestContext.accountId` in local mode). */
export const LOCAL_ACCOUNT_ID = "000000000000";

/** An IAM user the local gateway accepts SigV4 signatures from. */
export interface LocalPrincipal {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
  /** IAM unique id (`AIDA…`), which API Gateway reports as `identity.caller` and `identity.user`. */
  userId: string;
  /**
   * The registry role this principal plays: the local gateway lets it call the routes that list
   * this role, as the role's managed policy does in AWS.
   */
  role: RegistryRole;
}

/**
 * Fixed, documented credentials: they are printed by `npm start` and are not secret. They only
 * work against the local gateway. Each plays the role it is named after.
 */
export const builtInPrincipals: readonly LocalPrincipal[] = [
  principal(
    "publisher",
    "AKIALOCALPUBLISHER01",
    "LocalPublisherSecretAccessKeyNotSecret01",
    "AIDALOCALPUBLISHER01",
  ),
  principal(
    "approver",
    "AKIALOCALAPPROVER001",
    "LocalApproverSecretAccessKeyNotSecret001",
    "AIDALOCALAPPROVER001",
  ),
  principal(
    "governor",
    "AKIALOCALGOVERNOR001",
    "LocalGovernorSecretAccessKeyNotSecret001",
    "AIDALOCALGOVERNOR001",
  ),
  principal(
    "admin",
    "AKIALOCALADMIN000001",
    "LocalAdminSecretAccessKeyNotSecret000001",
    "AIDALOCALADMIN000001",
  ),
  principal(
    "reader",
    "AKIALOCALREADER00001",
    "LocalReaderSecretAccessKeyNotSecret00001",
    "AIDALOCALREADER00001",
  ),
];

function principal(
  name: RegistryRole,
  accessKeyId: string,
  secretAccessKey: string,
  userId: string,
): LocalPrincipal {
  return {
    name,
    accessKeyId,
    secretAccessKey,
    arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/${name}`,
    userId,
    role: name,
  };
}

/**
 * The built-in principals plus those listed in the JSON file named by `REGISTRY_LOCAL_PRINCIPALS`:
 * `[{ "name": "ci", "role": "publisher", "accessKeyId": "AKIA…", "secretAccessKey": "…", "arn"?: "arn:aws:iam::…" }]`.
 * `role` is required: what a principal may do is a decision, and a default would either grant too
 * much or turn a working script's writes into 403s without a word at start-up.
 */
export function loadLocalPrincipals(env: Record<string, string | undefined> = process.env): LocalPrincipal[] {
  const file = env.REGISTRY_LOCAL_PRINCIPALS?.trim();
  const extra = file ? readPrincipalsFile(file) : [];
  const all = [...builtInPrincipals, ...extra];
  const seen = new Set<string>();
  for (const p of all) {
    if (seen.has(p.accessKeyId)) {
      throw new LocalModeError(
        `The access key ${p.accessKeyId} is used by more than one local principal: give each principal in ${file} its own accessKeyId.`,
      );
    }
    seen.add(p.accessKeyId);
  }
  return all;
}

function readPrincipalsFile(file: string): LocalPrincipal[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LocalModeError(
      `REGISTRY_LOCAL_PRINCIPALS names ${file}, which could not be read as JSON (${reason}): point it at a JSON array of principals.`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new LocalModeError(
      `${file} (REGISTRY_LOCAL_PRINCIPALS) must hold a JSON array of {name, role, accessKeyId, secretAccessKey, arn?} objects.`,
    );
  }
  return parsed.map((entry: unknown, index) => toPrincipal(entry, `${file} entry ${index}`));
}

function toPrincipal(entry: unknown, where: string): LocalPrincipal {
  const record = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>) : {};
  const name = requireString(record, "name", /^[A-Za-z0-9+=,.@_-]{1,64}$/, where, "an IAM user name");
  const accessKeyId = requireString(
    record,
    "accessKeyId",
    /^[A-Z0-9]{16,128}$/,
    where,
    "uppercase letters and digits",
  );
  const secretAccessKey = requireString(
    record,
    "secretAccessKey",
    /^\S{1,128}$/,
    where,
    "a non-empty string",
  );
  const role = record.role;
  if (!isRegistryRole(role)) {
    throw new LocalModeError(
      `${where} ("${name}") needs "role" to be one of ${registryRoles.join(", ")} (got ${JSON.stringify(role)}).`,
    );
  }
  const arn =
    record.arn === undefined
      ? `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/${name}`
      : requireString(record, "arn", /^arn:aws:(iam|sts)::\d{12}:\S+$/, where, "an IAM or STS ARN");
  return { name, accessKeyId, secretAccessKey, arn, userId: `AIDA${accessKeyId.slice(4)}`, role };
}

function requireString(
  record: Record<string, unknown>,
  key: string,
  pattern: RegExp,
  where: string,
  expected: string,
): string {
  const value = record[key];
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new LocalModeError(`${where} needs "${key}" to be ${expected} (got ${JSON.stringify(value)}).`);
  }
  return value;
}
