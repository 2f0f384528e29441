/** The console's few routes, each a stable URL under /console/ a person can paste into a chat. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { BASE } from "./session.ts";

export type Route =
  | { page: "models"; prefix: string }
  | { page: "model"; model: string }
  | { page: "version"; model: string; version: string }
  | { page: "approvals" }
  | { page: "not-found"; path: string };

export function parseRoute(pathname: string, search: string): Route {
  const rest = pathname.startsWith(`${BASE}/`) ? pathname.slice(BASE.length + 1) : "";
  const parts = rest
    .split("/")
    .filter((part) => part !== "")
    .map(safeDecode);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "models")) {
    return { page: "models", prefix: new URLSearchParams(search).get("prefix") ?? "" };
  }
  if (parts.length === 1 && parts[0] === "approvals") return { page: "approvals" };
  if (parts[0] === "models" && parts.length === 2) return { page: "model", model: parts[1]! };
  if (parts[0] === "models" && parts.length === 4 && parts[2] === "versions") {
    return { page: "version", model: parts[1]!, version: parts[3]! };
  }
  return { page: "not-found", path: pathname };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export const paths = {
  models: (prefix?: string) => `${BASE}/models${prefix ? `?prefix=${encodeURIComponent(prefix)}` : ""}`,
  approvals: () => `${BASE}/approvals`,
  model: (model: string) => `${BASE}/models/${encodeURIComponent(model)}`,
  version: (model: string, version: number | string) =>
    `${BASE}/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(String(version))}`,
};

export function navigate(href: string): void {
  history.pushState(null, "", href);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useLocation(): { pathname: string; search: string } {
  const [where, setWhere] = useState({ pathname: location.pathname, search: location.search });
  useEffect(() => {
    const update = () => setWhere({ pathname: location.pathname, search: location.search });
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return where;
}

export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  "aria-current"?: "page" | undefined;
}) {
  const { href, children } = props;
  return (
    <a
      href={href}
      class={props.class}
      aria-current={props["aria-current"]}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
