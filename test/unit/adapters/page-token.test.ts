import { describe, expect, it } from "vitest";
import { PageTokens } from "#adapters/dynamodb/page-token.ts";
import { ValidationError } from "#core/errors.ts";

const tokens = new PageTokens("a-test-secret-of-enough-length");
const key = { pk: "MODEL#fraud", sk: "VERSION#0000000042" };

describe("page tokens", () => {
  it("round-trip the key for the list they were issued for", () => {
    expect(tokens.decode(tokens.encode(key, "versions|fraud"), "versions|fraud")).toEqual(key);
  });

  it("reject a token whose payload was edited", () => {
    const token = tokens.encode(key, "versions|fraud");
    const [payload, mac] = token.split(".");
    const forged = Buffer.from(
      Buffer.from(payload as string, "base64url")
        .toString()
        .replace("0042", "0001"),
    ).toString("base64url");
    expect(() => tokens.decode(`${forged}.${mac}`, "versions|fraud")).toThrow(ValidationError);
  });

  it("reject a token signed with another secret, or garbage", () => {
    const other = new PageTokens("another-secret-of-enough-length");
    expect(() => tokens.decode(other.encode(key, "s"), "s")).toThrow(/not a token this API issued/);
    expect(() => tokens.decode("not-a-token", "s")).toThrow(/not a token this API issued/);
  });

  it("reject a token used against a different list", () => {
    const token = tokens.encode(key, "versions|fraud||");
    expect(() => tokens.decode(token, "versions|other||")).toThrow(/different list/);
  });
});
