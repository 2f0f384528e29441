import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { identify } from "#core/identity.ts";
import { AWS_USERNAME, UserSessionRole } from "../../lib/person-bound-role.ts";
import { readRegistryConfig } from "../../lib/registry-config.ts";

/** IAM's policy variable, spelled out (it is not a template placeholder). */
const AWS_USERNAME_TEXT = "$" + "{aws:username}";

describe("a person-bound approver role (UserSessionRole)", () => {
  it("trusts only IAM users of the account, under their own user name as the session name", {
    timeout: 120_000,
  }, () => {
    const stack = new Stack(new App(), "Access", { env: { account: "111122223333", region: "eu-west-1" } });
    const role = new UserSessionRole(stack, "ApproverRole", { roleName: "registry-approver" });
    const [trust] = Object.values(Template.fromStack(stack).findResources("AWS::IAM::Role")).map(
      (r) => (r as { Properties: { AssumeRolePolicyDocument: { Statement: unknown[] } } }).Properties,
    );
    expect(AWS_USERNAME).toBe(AWS_USERNAME_TEXT);
    expect(trust?.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: "sts:AssumeRole",
        Effect: "Allow",
        Condition: { StringEquals: { "sts:RoleSessionName": AWS_USERNAME_TEXT } },
        Principal: {
          AWS: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::111122223333:root"]] },
        },
      },
    ]);
    // The personBoundRoles entry it gives makes its sessions the IAM users they are.
    const entry = role.personBound("111122223333");
    expect(identify("arn:aws:sts::111122223333:assumed-role/registry-approver/alice", [entry]).person).toBe(
      identify("arn:aws:iam::111122223333:user/alice", []).person,
    );
  });
});

describe("policyFloor and personBoundRoles context", () => {
  const configWith = (context: Record<string, unknown>) => readRegistryConfig(new App({ context }).node);

  it("reads both as JSON (cdk.json values or -c strings) and checks them with the functions' parser", () => {
    const config = configWith({
      policyFloor: '{"approvals":{"production":{"required":2}}}',
      personBoundRoles: [{ role: "AWSReservedSSO_*", account: "*", source: "identity-center" }],
    });
    expect(config.policyFloor).toEqual({
      approvals: { production: { required: 2, allowSelfApproval: false } },
    });
    expect(config.personBoundRoles).toHaveLength(1);
    expect(() => configWith({ policyFloor: { approvals: { production: { required: 11 } } } })).toThrow(
      /context policyFloor: approvals.production.required/,
    );
    expect(() =>
      configWith({ personBoundRoles: [{ role: "R", account: "x", source: "identity-center" }] }),
    ).toThrow(/context personBoundRoles/);
  });
});
