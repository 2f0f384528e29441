/**
 * Opaque, tamper-proof pagination tokens: the DynamoDB key to resume from, bound to the list
 * it came from (model, filters), signed with HMAC-SHA256. A token edited by hand or replayed
 * against another list is rejected with a 400, never turned into an arbitrary key.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { ValidationError } from "#core/errors.ts";

type Key = Record<string, unknown>;

export class PageTokens {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error("the page token secret must be at least 16 characters");
  }

  encode(key: Key, scope: string): string {
    const payload = Buffer.from(JSON.stringify({ k: key, s: scope })).toString("base64url");
    return `${payload}.${this.mac(payload)}`;
  }

  decode(token: string, scope: string): Key {
    const [payload, mac, extra] = token.split(".");
    if (!payload || !mac || extra !== undefined || !this.macMatches(payload, mac)) throw invalidToken();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw invalidToken();
    }
    const { k, s } = (parsed ?? {}) as { k?: unknown; s?: unknown };
    if (s !== scope) {
      throw ValidationError.field(
        "query.nextToken",
        "belongs to a different list: pass it back with the same model and filters as the request that returned it",
      );
    }
    if (typeof k !== "object" || k === null) throw invalidToken();
    return k as Key;
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.secret).update(payload).digest("base64url");
  }

  private macMatches(payload: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

const invalidToken = () =>
  ValidationError.field(
    "query.nextToken",
    "is not a token this API issued: pass nextToken exactly as it was returned",
  );
