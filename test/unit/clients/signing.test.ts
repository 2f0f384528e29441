import { describe, expect, it } from "vitest";
import { RegistryClient } from "../../../clients/typescript/registry-client.ts";
import { FIXED_DATE, fakeFetch, TEST_CREDENTIALS } from "./fake-fetch.ts";
import {
  canonicalRequest,
  expectedSignature,
  type SentRequest,
  signature,
  signingKey,
  stringToSign,
} from "./sigv4-reference.ts";

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function client(endpoint: string, extra: { sessionToken?: string } = {}) {
  const recorder = fakeFetch();
  const registry = new RegistryClient({
    endpoint,
    region: "eu-west-1",
    credentials: { ...TEST_CREDENTIALS, ...extra },
    fetch: recorder.fetch,
    clock: () => FIXED_DATE,
  });
  return { registry, requests: recorder.requests };
}

/** The one request sent, with what an AWS server recomputes from it (its canonical request and signature). */
function onlySigned(requests: SentRequest[]) {
  expect(requests).toHaveLength(1);
  const sent = requests[0]!;
  return { sent, ...expectedSignature(sent, TEST_CREDENTIALS.secretAccessKey) };
}

describe("the reference SigV4 implementation", () => {
  it("reproduces the signature of the example in the AWS documentation (IAM ListUsers)", () => {
    const request: SentRequest = {
      method: "GET",
      url: new URL("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"),
      headers: {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "x-amz-date": "20150830T123600Z",
      },
    };
    const canonical = canonicalRequest(request, ["content-type", "host", "x-amz-date"]);
    const key = signingKey({ ...TEST_CREDENTIALS, date: "20150830", region: "us-east-1", service: "iam" });
    const toSign = stringToSign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", canonical);
    expect(toSign.split("\n")[3]).toBe("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    expect(signature(key, toSign)).toBe("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  });
});

describe("RegistryClient signing", () => {
  it("signs a GET with query parameters the way an AWS server recomputes it", async () => {
    const { registry, requests } = client("https://abc.execute-api.eu-west-1.amazonaws.com/v1");
    await registry.request({
      method: "GET",
      path: "/models",
      query: { prefix: "fraud model", tag: "team=risk", limit: 5, owner: undefined },
    });
    const { authorization, canonical, signature: expected } = onlySigned(requests);

    expect(canonical).toBe(
      [
        "GET",
        "/v1/models",
        "limit=5&prefix=fraud%20model&tag=team%3Drisk",
        "accept:application/json",
        "host:abc.execute-api.eu-west-1.amazonaws.com",
        `x-amz-content-sha256:${EMPTY_SHA256}`,
        "x-amz-date:20240102T030405Z",
        "",
        "accept;host;x-amz-content-sha256;x-amz-date",
        EMPTY_SHA256,
      ].join("\n"),
    );
    expect(authorization).toMatchObject({
      accessKeyId: "AKIDEXAMPLE",
      date: "20240102",
      region: "eu-west-1",
      service: "execute-api",
    });
    expect(authorization.signature).toBe(expected);
  });

  it("signs a POST with a JSON body, its content type and every header it sends", async () => {
    const { registry, requests } = client("http://127.0.0.1:8787", { sessionToken: "session/token+=" });
    await registry.createModel(
      { name: "fraud.v2-x", description: "Détecteur de fraude", tags: { team: "risk" } },
      { idempotencyKey: "key-1" },
    );
    const { sent, authorization, canonical, signature: expected } = onlySigned(requests);

    expect(sent.body).toBe(
      JSON.stringify({ name: "fraud.v2-x", description: "Détecteur de fraude", tags: { team: "risk" } }),
    );
    expect(canonical.split("\n").slice(0, 3)).toEqual(["POST", "/models", ""]);
    expect(canonical).toContain("host:127.0.0.1:8787\n");
    expect(canonical).toContain("content-type:application/json\n");
    expect(canonical).toContain("idempotency-key:key-1\n");
    expect(canonical).toContain("x-amz-security-token:session/token+=\n");
    // Nothing is sent unsigned (fetch itself adds only host, which is signed, and hop-by-hop headers).
    const sentNames = [
      ...Object.keys(sent.headers).filter((name) => name !== "authorization"),
      "host",
    ].sort();
    expect(authorization.signedHeaders).toEqual(sentNames);
    expect(authorization.signature).toBe(expected);
  });

  it("signs the encoded path, base path included, with segments encoded twice as the server does", async () => {
    const { registry, requests } = client("https://abc.execute-api.eu-west-1.amazonaws.com/prod/");
    await registry.getAlias("a.b-c", "canary (eu)/x*");
    const { sent, canonical, authorization, signature: expected } = onlySigned(requests);
    expect(sent.url.pathname).toBe("/prod/models/a.b-c/aliases/canary%20%28eu%29%2Fx%2A");
    expect(canonical.split("\n")[1]).toBe("/prod/models/a.b-c/aliases/canary%2520%2528eu%2529%252Fx%252A");
    expect(authorization.signature).toBe(expected);
  });
});
