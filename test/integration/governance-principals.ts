/**
 * Principals the integration suite's registry accepts beyond the built-in four, for the
 * governance tests (test/integration/governance.test.ts): assumed-role sessions as API Gateway
 * reports them, so one person can be replayed under several sessions and roles, signed like a
 * real client. `PersonApproverRole` is listed as person-bound (as a role built with
 * `UserSessionRole` would be); `SharedApproverRole` is not (the README's grant example).
 */
import type { PersonBoundRole } from "#core/identity.ts";
import { LOCAL_ACCOUNT_ID, type LocalPrincipal } from "../../local/principals.ts";

function principal(name: string, role: LocalPrincipal["role"], arnTail: string, key: string): LocalPrincipal {
  const accessKeyId = `AKIAGOVERNANCE${key}`;
  return {
    name,
    role,
    accessKeyId,
    secretAccessKey: `GovernanceTestSecret${key}NotSecret`,
    arn: `arn:aws:${arnTail.startsWith("user/") ? "iam" : "sts"}::${LOCAL_ACCOUNT_ID}:${arnTail}`,
    userId: `AIDA${accessKeyId.slice(4)}`,
  };
}

export const governancePrincipals: readonly LocalPrincipal[] = [
  principal("shared-alice", "approver", "assumed-role/SharedApproverRole/alice", "000001"),
  principal("shared-bob", "approver", "assumed-role/SharedApproverRole/bob", "000002"),
  principal("bound-alice", "approver", "assumed-role/PersonApproverRole/alice", "000003"),
  principal("bound-carol", "approver", "assumed-role/PersonApproverRole/carol", "000004"),
  principal("iam-alice", "approver", "user/alice", "000005"),
  principal("publisher-alice", "publisher", "assumed-role/PublisherRole/alice", "000006"),
];

export const governancePersonBoundRoles: readonly PersonBoundRole[] = [
  { role: "PersonApproverRole", account: LOCAL_ACCOUNT_ID, source: "iam-user-session" },
];
