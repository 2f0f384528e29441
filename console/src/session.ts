/**
 * The page's side of the console's session: the token that lets it call the console's proxy,
 * the identity the proxy signs as (the principal picker, local mode), and the API client,
 * typed from the registry's OpenAPI document (`api-schema.ts`, generated).
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./api-schema.ts";

export type Schemas = components["schemas"];
export const BASE = "/console";
const TOKEN_HEADER = "x-console-token";
const IDENTITY_HEADER = "x-console-identity";
const TOKEN_KEY = "registry-console-token";
const IDENTITY_KEY = "registry-console-identity";

export interface ConsoleConfig {
  mode: "local" | "aws";
  /** Local mode: the page carries the token (only this origin can read the page). */
  token?: string;
}

export function readConfig(): ConsoleConfig {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="console-config"]');
  try {
    const parsed = JSON.parse(meta?.content ?? "{}") as Partial<ConsoleConfig>;
    return { mode: parsed.mode === "aws" ? "aws" : "local", ...(parsed.token && { token: parsed.token }) };
  } catch {
    return { mode: "local" };
  }
}

/**
 * The token from the page (local mode), or from `?token=` in the URL the console's command
 * printed (kept for this origin, then taken out of the address bar and the history).
 */
export function takeToken(config: ConsoleConfig): string | undefined {
  if (config.token) return config.token;
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return localStorage.getItem(TOKEN_KEY) ?? undefined;
}

let token: string | undefined;
let identity: string | undefined = localStorage.getItem(IDENTITY_KEY) ?? undefined;

export function setToken(value: string | undefined): void {
  token = value;
}
export function currentIdentity(): string | undefined {
  return identity;
}
export function setIdentity(name: string): void {
  identity = name;
  localStorage.setItem(IDENTITY_KEY, name);
}

function consoleHeaders(): Record<string, string> {
  return { ...(token && { [TOKEN_HEADER]: token }), ...(identity && { [IDENTITY_HEADER]: identity }) };
}

export const api = createClient<paths>({ baseUrl: `${location.origin}${BASE}/api` });
api.use({
  onRequest({ request }) {
    for (const [name, value] of Object.entries(consoleHeaders())) request.headers.set(name, value);
    return request;
  },
});

/** An error the registry (or the console's proxy) answered, with its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Awaits an openapi-fetch call: its data, or an ApiError carrying the server's message. */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (error) {
    throw new ApiError(
      0,
      "NetworkError",
      `The console could not reach its server (${error instanceof Error ? error.message : String(error)}): is the registry still running?`,
    );
  }
  if (result.response.ok) return result.data as T;
  const body = result.error as { error?: { code?: string; message?: string } } | undefined;
  throw new ApiError(
    result.response.status,
    body?.error?.code ?? `HTTP${result.response.status}`,
    body?.error?.message ?? `the server answered ${result.response.status} ${result.response.statusText}`,
  );
}

export interface SessionInfo {
  mode: "local" | "aws";
  identities: { name: string; role?: string }[];
}

export async function loadSession(): Promise<SessionInfo> {
  let response: Response;
  try {
    response = await fetch(`${BASE}/api/session`, { headers: consoleHeaders() });
  } catch (error) {
    throw new ApiError(0, "NetworkError", `The console's server did not answer (${String(error)}).`);
  }
  const body = (await response.json().catch(() => ({}))) as SessionInfo & {
    error?: { code: string; message: string };
  };
  if (!response.ok)
    throw new ApiError(response.status, body.error?.code ?? "Error", body.error?.message ?? "");
  return body;
}
