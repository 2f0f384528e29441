import type { SentRequest } from "./sigv4-reference.ts";

export interface FakeReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A `fetch` that records each request (as sent) and answers from `reply`, without a network. */
export function fakeFetch(reply: (request: SentRequest, index: number) => FakeReply = () => ({})) {
  const requests: SentRequest[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const request: SentRequest = {
      method: init?.method ?? "GET",
      url,
      headers,
      body: typeof init?.body === "string" ? init.body : undefined,
    };
    requests.push(request);
    const { status = 200, body = {}, headers: replyHeaders = {} } = reply(request, requests.length - 1);
    const text =
      status === 204 || body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { "content-type": "application/json", ...replyHeaders } });
  };
  return { fetch: fetchFn, requests };
}

export const TEST_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

export const FIXED_DATE = new Date("2024-01-02T03:04:05Z");
