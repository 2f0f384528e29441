/** The console's frame: navigation, the principal picker (local mode), and the page of the URL. */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApprovalsPage } from "./pages/approvals.tsx";
import { ModelPage } from "./pages/model.tsx";
import { ModelsPage } from "./pages/models.tsx";
import { VersionPage } from "./pages/version.tsx";
import { Link, parseRoute, paths, type Route, useLocation } from "./router.tsx";
import { api, call, currentIdentity, loadSession, type SessionInfo, setIdentity } from "./session.ts";
import { Actor, type Caller, ErrorNote, Loading, useLoad } from "./ui.tsx";

export function App() {
  const where = useLocation();
  const route = parseRoute(where.pathname, where.search);
  const session = useLoad(loadSession, []);
  const [identity, pick] = useState<string | undefined>(currentIdentity());
  const info = session.value;
  // The identity stored by an earlier visit may not exist any more: fall back to the first.
  const chosen =
    info && (identity === undefined || !info.identities.some((i) => i.name === identity))
      ? info.identities[0]?.name
      : identity;
  if (chosen !== undefined && chosen !== currentIdentity()) setIdentity(chosen);

  useEffect(() => {
    document.title = `${titleOf(route)} · Model registry console`;
  });
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  useEffect(() => {
    // After a navigation, focus moves to the new page's heading (screen readers announce it).
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>("h1")?.focus();
  }, [where.pathname, where.search]);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link class="brand" href={paths.models()}>
          Model registry
        </Link>
        <nav aria-label="Console">
          <ul>
            <li>
              <Link href={paths.models()} aria-current={route.page === "models" ? "page" : undefined}>
                Models
              </Link>
            </li>
            <li>
              <Link href={paths.approvals()} aria-current={route.page === "approvals" ? "page" : undefined}>
                Approvals
              </Link>
            </li>
          </ul>
        </nav>
        {info && (
          <Picker
            info={info}
            chosen={chosen}
            onPick={(name) => {
              setIdentity(name);
              pick(name);
            }}
          />
        )}
      </header>
      <main id="main" ref={main}>
        {session.error !== undefined && <ErrorNote error={session.error} retry={session.reload} />}
        {session.loading && <Loading what="the console" />}
        {info && <Session key={chosen} route={route} />}
      </main>
    </>
  );
}

/** Who the registry sees (`whoami`), then the page: all of it anew when another principal is picked. */
function Session(props: { route: Route }) {
  const caller = useLoad(() => call(api.GET("/whoami")), []);
  if (caller.loading) return <Loading what="who you are" />;
  if (!caller.value) return <ErrorNote error={caller.error} retry={caller.reload} />;
  const { arn, roles } = caller.value;
  return (
    <>
      <p class="caller">
        Acting as <Actor arn={arn} />
        {roles ? ` (role ${roles.join(", ")})` : " (roles decided by IAM)"}
      </p>
      <Page route={props.route} caller={caller.value} />
    </>
  );
}

function Picker(props: { info: SessionInfo; chosen: string | undefined; onPick: (name: string) => void }) {
  if (props.info.mode !== "local") return null;
  return (
    <div class="picker">
      <label for="principal">Act as</label>
      <select
        id="principal"
        value={props.chosen}
        onChange={(event) => props.onPick(event.currentTarget.value)}
      >
        {props.info.identities.map((identity) => (
          <option key={identity.name} value={identity.name}>
            {identity.name}
            {identity.role && identity.role !== identity.name ? ` (${identity.role})` : ""}
          </option>
        ))}
      </select>
    </div>
  );
}

function Page(props: { route: Route; caller: Caller }) {
  const { route, caller } = props;
  switch (route.page) {
    case "models":
      return <ModelsPage prefix={route.prefix} />;
    case "approvals":
      return <ApprovalsPage caller={caller} />;
    case "model":
      return <ModelPage model={route.model} />;
    case "version":
      return <VersionPage model={route.model} version={route.version} />;
    case "not-found":
      return (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            The console has no page at <code>{route.path}</code>. Start from{" "}
            <Link href={paths.models()}>the models</Link> or{" "}
            <Link href={paths.approvals()}>the approvals</Link>.
          </p>
        </>
      );
  }
}

function titleOf(route: Route): string {
  switch (route.page) {
    case "models":
      return "Models";
    case "approvals":
      return "Approvals";
    case "model":
      return route.model;
    case "version":
      return `${route.model} version ${route.version}`;
    case "not-found":
      return "Page not found";
  }
}
