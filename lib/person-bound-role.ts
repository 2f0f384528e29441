import { Stack } from "aws-cdk-lib";
import { AccountPrincipal, Role } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import type { PersonBoundRole } from "../functions/core/identity.ts";

/** IAM's policy variable (not a CDK token, nor a template placeholder): the calling IAM user's name. */
export const AWS_USERNAME = ["$", "{aws:username}"].join("");

export interface UserSessionRoleProps {
  /** The role's name: `personBoundRoles` names it, so it must be fixed (not generated). */
  roleName: string;
  /** The account whose IAM users may assume the role (default: the role's own). */
  usersAccount?: string;
  description?: string;
}

/**
 * A role only IAM users can assume, and only under their own user name as the session name: its
 * trust policy requires `sts:RoleSessionName` = `${aws:username}` (a key that exists only for IAM
 * users, so no role can assume it). An approval through it names a person the approver cannot
 * choose, the same person as that IAM user signing directly. This is the shape an approver role
 * must have for approvals to count per person (docs/governance.md, "Person-bound approvers"):
 *
 * ```ts
 * const approver = new UserSessionRole(access, "ApproverRole", { roleName: "registry-approver" });
 * api.grantApprove(approver);
 * // cdk.json context: "personBoundRoles": [approver.personBound("123456789012")]
 * ```
 *
 * People then assume it with `aws sts assume-role --role-arn … --role-session-name <their IAM
 * user name>` (or a profile with `role_session_name`); any other session name is refused by STS.
 */
export class UserSessionRole extends Role {
  private readonly usersAccount: string | undefined;
  private readonly fixedName: string;

  constructor(scope: Construct, id: string, props: UserSessionRoleProps) {
    const usersAccount = props.usersAccount;
    super(scope, id, {
      roleName: props.roleName,
      description:
        props.description ??
        "Assumed by IAM users under their own user name (sts:RoleSessionName = aws:username)",
      assumedBy: new AccountPrincipal(usersAccount ?? Stack.of(scope).account).withConditions({
        StringEquals: { "sts:RoleSessionName": AWS_USERNAME },
      }),
    });
    this.usersAccount = usersAccount;
    this.fixedName = props.roleName;
  }

  /**
   * The `personBoundRoles` entry that vouches for this role's sessions, for the account the role
   * is deployed in (an account id: the functions compare it with the caller's ARN).
   */
  personBound(roleAccount: string): PersonBoundRole {
    return {
      role: this.fixedName,
      account: roleAccount,
      source: "iam-user-session",
      ...(this.usersAccount !== undefined && { userAccount: this.usersAccount }),
    };
  }
}
