/** Request headers with rules: Idempotency-Key and If-Match. */
import * as z from "zod/mini";

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** `Idempotency-Key` on every POST. */
export const IdempotencyKey = z
  .string()
  .check(z.regex(IDEMPOTENCY_KEY_PATTERN, { error: "must be 1-255 visible ASCII characters (no spaces)" }))
  .register(z.globalRegistry, {
    description:
      "1-255 visible ASCII characters (no spaces). A retry with the same key and body returns the first response; the same key with a different body is a 422.",
    example: "8e0f6c1e-3b1a-4f1e-9d57-2f0b1d6c9a41",
  });

/**
 * `*`, or a comma-separated list of entity tags (RFC 9110 §13.1.1); each tag is ≤ 256 characters.
 * Spaces and tabs around the value are allowed (HTTP's optional whitespace, which the server
 * strips), so the served document's pattern admits exactly what the server accepts: the server
 * checks the header as received with this very schema.
 */
export const IF_MATCH_PATTERN =
  /^[ \t]*(?:\*|(?:W\/)?"[\x21\x23-\x7e\x80-\xff]{0,256}"(?:[ \t]*,[ \t]*(?:W\/)?"[\x21\x23-\x7e\x80-\xff]{0,256}"){0,49})[ \t]*$/;

/** `If-Match` on PATCH and DELETE. */
export const IfMatch = z
  .string()
  .check(
    z.regex(IF_MATCH_PATTERN, {
      error: 'must be * or a comma-separated list of quoted ETags such as "3"',
    }),
  )
  .register(z.globalRegistry, {
    description:
      'The ETag you read (e.g. "3"), a list of them, or * (the resource exists). Compared strongly: a weak tag (W/"3") never matches, so the request ends in 412.',
    example: '"3"',
  });
