/** Pieces every page uses: loading and error states, paging through `nextToken`, formatting. */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./session.ts";

export interface Caller {
  arn: string;
  /** null where the registry cannot know them (AWS: IAM decides): buttons are shown, the server decides. */
  roles: string[] | null;
}

export function mayCall(caller: Caller, roles: readonly string[]): boolean {
  return caller.roles === null || caller.roles.some((role) => roles.includes(role));
}

/** What to do next, said for the errors a person can act on. */
export function adviceFor(error: ApiError): string {
  if (error.code === "ConsoleTokenRequired") return "";
  if (error.status === 403) return "Pick a principal that plays a role allowed to do this.";
  if (error.status === 404) return "Check the name in the address, or go back to the list.";
  if (error.status === 0 || error.status >= 500)
    return "Try again; if it persists, look at the registry's log.";
  return "";
}

export function ErrorNote(props: { error: unknown; retry?: () => void }) {
  const error =
    props.error instanceof ApiError
      ? props.error
      : new ApiError(0, "Error", String(props.error ?? "unknown error"));
  const advice = adviceFor(error);
  return (
    <div class="error" role="alert">
      <p>
        <strong>{error.status ? `Refused (${error.status} ${error.code})` : "Error"}:</strong> {error.message}
      </p>
      {advice && <p>{advice}</p>}
      {props.retry && (
        <button type="button" onClick={props.retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {props.what}…
    </p>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="empty">{props.children}</div>;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** A list read page by page through the API's `nextToken`. */
export function usePaged<T>(load: (nextToken?: string) => Promise<Page<T>>, deps: unknown[]): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const generation = useRef(0);
  const fetchPage = useCallback((token: string | undefined, append: boolean) => {
    const mine = ++generation.current;
    setLoading(true);
    setError(undefined);
    load(token).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems((previous) => (append ? [...previous, ...page.items] : page.items));
        setNextToken(page.nextToken);
        setLoading(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(failure);
        setLoading(false);
      },
    );
  }, deps);
  useEffect(() => fetchPage(undefined, false), [fetchPage]);
  return {
    items,
    loading,
    error,
    hasMore: nextToken !== undefined,
    loadMore: () => fetchPage(nextToken, true),
    reload: () => fetchPage(undefined, false),
  };
}

/** The state of a list: loading, its error, "load more", and its empty state. */
export function PagedFooter<T>(props: { paged: Paged<T>; what: string; empty: ComponentChildren }) {
  const { paged } = props;
  return (
    <>
      {paged.error !== undefined && <ErrorNote error={paged.error} retry={paged.reload} />}
      {paged.loading && <Loading what={props.what} />}
      {!paged.loading && paged.error === undefined && paged.items.length === 0 && (
        <Empty>{props.empty}</Empty>
      )}
      {paged.hasMore && !paged.loading && (
        <button type="button" class="more" onClick={paged.loadMore}>
          Load more {props.what}
        </button>
      )}
    </>
  );
}

/** A single value read once (re-read when `deps` change). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState({ loading: true });
    load().then(
      (value) => current && setState({ value, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  return { ...state, reload: () => setRound((n) => n + 1) };
}

/** `2026-12-08 00:31 UTC`: the same text for every reader, whatever their time zone. */
export function when(iso: string | undefined): string {
  if (!iso) return "";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function Time(props: { iso: string | undefined }) {
  return props.iso ? <time dateTime={props.iso}>{when(props.iso)}</time> : null;
}

export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The name part of an ARN (`arn:aws:iam::0000:user/approver` → `approver`), with the ARN as its title. */
export function Actor(props: { arn: string | undefined }) {
  if (!props.arn) return null;
  const short = props.arn.includes("/") ? props.arn.slice(props.arn.lastIndexOf("/") + 1) : props.arn;
  return <span title={props.arn}>{short}</span>;
}

/** A wide table in a scrollable, focusable, named region (usable at a phone's width). */
export function TableRegion(props: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section class="table-region" aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}

/** A link only for http(s) URLs: anything else (javascript:, data:) is shown as text. */
export function MaybeLink(props: { value: string }) {
  return /^https?:\/\//i.test(props.value) ? (
    <a href={props.value} rel="noopener noreferrer" target="_blank">
      {props.value}
    </a>
  ) : (
    <code>{props.value}</code>
  );
}
