import type { Grant, IGrantable } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledge } from "./nag.ts";

/**
 * The HMAC key that makes list `nextToken`s tamper-proof. Handlers read it once at cold start.
 * Replacing the key only invalidates tokens in flight (clients restart the listing), so it is
 * an ordinary, deletable secret rather than retained state.
 */
export class PageTokenSecret extends Construct {
  static readonly envVar = "PAGE_TOKEN_SECRET_ARN";

  readonly secret = new Secret(this, "Secret", {
    description: "HMAC key that signs the model registry's pagination tokens",
    generateSecretString: {
      passwordLength: 64,
      // Alphanumeric keeps the value trivially safe to handle; 64 of 62 symbols is ~380 bits.
      excludePunctuation: true,
    },
  });

  constructor(scope: Construct, id: string) {
    super(scope, id);
    acknowledge(
      this.secret,
      "AwsSolutions-SMG4",
      "An HMAC key for pagination tokens, read once per cold start: rotating it only makes clients restart listings in flight; replace it by redeploying (a new generated value) if it leaks",
    );
  }

  get environment(): Record<string, string> {
    return { [PageTokenSecret.envVar]: this.secret.secretArn };
  }

  grantRead(grantee: IGrantable): Grant {
    return this.secret.grantRead(grantee);
  }

  /** Sets `PAGE_TOKEN_SECRET_ARN` on the function and lets it read the key, in one call. */
  bind(fn: LambdaFunction): Grant {
    // The same variables `environment` declares (and `registryEnvironment` hands every function).
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
    return this.grantRead(fn);
  }
}
