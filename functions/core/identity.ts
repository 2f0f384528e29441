/**
 * Who a caller *is*, as a person, from the IAM principal ARN API Gateway reports. Four-eyes
 * compares and counts people, not ARNs: an assumed-role session's name is chosen by whoever
 * assumes the role, so `ApproverRole/alice` and `ApproverRole/bob` may be one person, and
 * `PublisherRole/alice` and `ApproverRole/alice` may be the same one.
 *
 * A person is known ("vouched for") only where something the caller cannot choose names them:
 * - an IAM user (`arn:aws:iam::<account>:user/<name>`): the user is the person;
 * - a role the deployment lists as person-bound (`personBoundRoles`), whose session name is set
 *   by AWS, not by the caller:
 *   - `identity-center`: an IAM Identity Center permission set role (`AWSReservedSSO_…`), whose
 *     session name is the Identity Center user name;
 *   - `iam-user-session`: a role whose trust policy requires `sts:RoleSessionName` to equal
 *     `${aws:username}` (`lib/person-bound-role.ts` builds one), so the session name is the
 *     assuming IAM user's name: the same person as that IAM user calling directly.
 * Everything else (another assumed role, a federated user) is `unvouched`: counted by its ARN,
 * and refused wherever a policy needs two approvals or forbids self-approval.
 */
export const IDENTITY_SOURCES = ["iam-user", "identity-center", "iam-user-session", "unvouched"] as const;
export type IdentitySource = (typeof IDENTITY_SOURCES)[number];

/**
 * One role the deployment vouches for (`personBoundRoles`; parsed by `governance-config.ts`): its
 * name (a trailing `*` matches a prefix), its account (`*`: any), and what binds its session name.
 */
export interface PersonBoundRole {
  role: string;
  account: string;
  source: "identity-center" | "iam-user-session";
  /** `iam-user-session` only: the account of the IAM users who assume it (default: the role's). */
  userAccount?: string | undefined;
}

export interface Identity {
  /** The ARN the request was signed with (what `by` and `requestedBy` record). */
  arn: string;
  /** The person: equal for the same person under any of their vouched-for principals. */
  person: string;
  source: IdentitySource;
  /** The name part (user name or session name), compared when either side is unvouched. */
  name: string;
}

const IAM_USER = /^arn:aws[a-z-]*:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;
const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/;

export function identify(arn: string, personBound: readonly PersonBoundRole[]): Identity {
  const user = IAM_USER.exec(arn);
  if (user) {
    const [, account, name] = user as unknown as [string, string, string];
    return { arn, person: `iam-user:${account}:${name}`, source: "iam-user", name };
  }
  const assumed = ASSUMED_ROLE.exec(arn);
  if (assumed) {
    const [, account, role, session] = assumed as unknown as [string, string, string, string];
    const bound = personBound.find((entry) => matches(entry, account, role));
    if (bound?.source === "identity-center") {
      return { arn, person: `identity-center:${session}`, source: "identity-center", name: session };
    }
    if (bound?.source === "iam-user-session") {
      const userAccount = bound.userAccount ?? account;
      return { arn, person: `iam-user:${userAccount}:${session}`, source: "iam-user-session", name: session };
    }
    return { arn, person: arn, source: "unvouched", name: session };
  }
  return { arn, person: arn, source: "unvouched", name: arn.slice(arn.lastIndexOf("/") + 1) };
}

function matches(entry: PersonBoundRole, account: string, role: string): boolean {
  if (entry.account !== "*" && entry.account !== account) return false;
  return entry.role.endsWith("*") ? role.startsWith(entry.role.slice(0, -1)) : role === entry.role;
}

/**
 * Could `a` and `b` be the same person? Yes when they are the same principal or the same vouched
 * person, and also whenever their names (user or session names) match, case-insensitively: an
 * unvouched session name is all there is to go on, the same name under two sources (an IAM user
 * and an Identity Center user) is most likely one person, and a refused approval is safer than a
 * self-approval or one person counted twice.
 */
export function maybeSamePerson(a: Identity, b: Identity): boolean {
  return a.arn === b.arn || a.person === b.person || a.name.toLowerCase() === b.name.toLowerCase();
}

/** What the refusal of an unvouched approval tells the approver (and the operator). */
export const HOW_TO_VOUCH =
  "approve as an IAM user, through an IAM Identity Center permission set, or through a role whose trust policy requires sts:RoleSessionName = aws:username (lib/person-bound-role.ts); the registry's operator lists such roles in the personBoundRoles setting (docs/governance.md, 'Person-bound approvers')";
