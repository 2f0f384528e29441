import { describe, expect, it } from "vitest";
import { functionNameOf } from "../../../local/lambda-service.ts";

describe("the local Lambda endpoint's function names", () => {
  it("accepts a name or an ARN, with or without a qualifier, as the Lambda API does", () => {
    expect(functionNameOf("fairness-check")).toBe("fairness-check");
    expect(functionNameOf("arn:aws:lambda:us-east-1:123456789012:function:fairness-check")).toBe(
      "fairness-check",
    );
    expect(functionNameOf("arn:aws:lambda:eu-west-1:123456789012:function:fairness-check:live")).toBe(
      "fairness-check",
    );
    expect(functionNameOf("arn:aws-cn:lambda:cn-north-1:123456789012:function:f:7")).toBe("f");
    // Not a function ARN: kept as given (and then not found).
    expect(functionNameOf("arn:aws:s3:::bucket")).toBe("arn:aws:s3:::bucket");
  });
});
