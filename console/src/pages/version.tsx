/** `/console/models/{model}/versions/{version}`: metrics, params, lineage, signature, artifacts. */
import { Fragment } from "preact";
import { Link, paths } from "../router.tsx";
import { api, call, type Schemas } from "../session.ts";
import {
  Actor,
  bytes,
  Empty,
  ErrorNote,
  Loading,
  MaybeLink,
  PagedFooter,
  TableRegion,
  Time,
  useLoad,
  usePaged,
} from "../ui.tsx";
import { approvalCount } from "./approvals.tsx";

export function VersionPage(props: { model: string; version: string }) {
  const { model, version } = props;
  const number = Number(version);
  const valid = Number.isInteger(number) && number > 0;
  const found = useLoad(
    () =>
      valid
        ? call(
            api.GET("/models/{model}/versions/{version}", { params: { path: { model, version: number } } }),
          )
        : Promise.reject(new Error(`'${version}' is not a version number: versions are numbered 1, 2, 3…`)),
    [model, version],
  );
  const v = found.value;
  return (
    <>
      <p class="crumbs">
        <Link href={paths.models()}>Models</Link> / <Link href={paths.model(model)}>{model}</Link> /
      </p>
      <h1 tabIndex={-1}>
        {model} version {version}
      </h1>
      {found.loading && <Loading what="the version" />}
      {found.error !== undefined && <ErrorNote error={found.error} retry={found.reload} />}
      {v && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>{v.status}</dd>
            <dt>Stage</dt>
            <dd>
              {v.stage}
              {v.stageSince && (
                <>
                  {" "}
                  since <Time iso={v.stageSince} />
                </>
              )}
            </dd>
            {v.semver && (
              <>
                <dt>Semantic version</dt>
                <dd>{v.semver}</dd>
              </>
            )}
            <dt>Aliases</dt>
            <dd>{v.aliases.join(", ") || "none"}</dd>
            <dt>Format</dt>
            <dd>
              {v.format ?? "—"}
              {v.framework && ` (${v.framework})`}
            </dd>
            <dt>Created</dt>
            <dd>
              <Time iso={v.createdAt} /> by <Actor arn={v.createdBy} />
            </dd>
            {v.description && (
              <>
                <dt>Description</dt>
                <dd>{v.description}</dd>
              </>
            )}
          </dl>
          <KeyValues title="Metrics" values={v.metrics} empty="No metrics recorded." />
          <KeyValues title="Params" values={v.params} empty="No params recorded." />
          <Lineage lineage={v.lineage} model={model} />
          <Signature signature={v.signature} />
          <Artifacts artifacts={v.artifacts} />
          <Transitions model={model} version={number} />
        </>
      )}
    </>
  );
}

function KeyValues(props: { title: string; values: Record<string, string | number>; empty: string }) {
  const entries = Object.entries(props.values);
  const id = `${props.title.toLowerCase()}-heading`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {entries.length === 0 ? (
        <Empty>
          <p>{props.empty}</p>
        </Empty>
      ) : (
        <TableRegion label={props.title}>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {entries.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{String(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}

function Lineage(props: { lineage: Schemas["Lineage"] | undefined; model: string }) {
  const l = props.lineage;
  const any = l && (l.gitRepo || l.gitCommit || l.runId || l.runUri || l.parentVersion || l.datasets?.length);
  return (
    <section aria-labelledby="lineage-heading">
      <h2 id="lineage-heading">Lineage</h2>
      {!l || !any ? (
        <Empty>
          <p>No lineage recorded: a publisher can add it with the version's git commit, run and datasets.</p>
        </Empty>
      ) : (
        <dl class="facts">
          {l.gitRepo && (
            <>
              <dt>Git repository</dt>
              <dd>
                <MaybeLink value={l.gitRepo} />
              </dd>
            </>
          )}
          {l.gitCommit && (
            <>
              <dt>Git commit</dt>
              <dd>
                <code>{l.gitCommit}</code>
              </dd>
            </>
          )}
          {l.runId && (
            <>
              <dt>Run</dt>
              <dd>
                <code>{l.runId}</code>
              </dd>
            </>
          )}
          {l.runUri && (
            <>
              <dt>Run URI</dt>
              <dd>
                <MaybeLink value={l.runUri} />
              </dd>
            </>
          )}
          {l.parentVersion !== undefined && (
            <>
              <dt>Parent version</dt>
              <dd>
                <Link href={paths.version(props.model, l.parentVersion)}>version {l.parentVersion}</Link>
              </dd>
            </>
          )}
          {(l.datasets ?? []).map((d) => (
            <Fragment key={d.name}>
              <dt>Dataset {d.name}</dt>
              <dd>
                <MaybeLink value={d.uri} />
                {d.digest && (
                  <>
                    {" "}
                    <code>{d.digest}</code>
                  </>
                )}
              </dd>
            </Fragment>
          ))}
        </dl>
      )}
    </section>
  );
}

function Signature(props: { signature: Schemas["Signature"] | undefined }) {
  const s = props.signature;
  return (
    <section aria-labelledby="signature-heading">
      <h2 id="signature-heading">Signature</h2>
      {!s ? (
        <Empty>
          <p>
            No signature recorded: without one, the registry cannot flag a breaking change of inputs or
            outputs.
          </p>
        </Empty>
      ) : (
        <TableRegion label="Signature">
          <table>
            <thead>
              <tr>
                <th scope="col">Direction</th>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Shape</th>
                <th scope="col">Optional</th>
              </tr>
            </thead>
            <tbody>
              {(["inputs", "outputs"] as const).flatMap((direction) =>
                s[direction].map((spec) => (
                  <tr key={`${direction}-${spec.name}`}>
                    <td>{direction === "inputs" ? "input" : "output"}</td>
                    <th scope="row">{spec.name}</th>
                    <td>{spec.type}</td>
                    <td>
                      {spec.shape ? `[${spec.shape.map((d) => (d === -1 ? "any" : d)).join(", ")}]` : "—"}
                    </td>
                    <td>{spec.optional ? "yes" : "no"}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}

function Artifacts(props: { artifacts: Schemas["Artifact"][] }) {
  return (
    <section aria-labelledby="artifacts-heading">
      <h2 id="artifacts-heading">Artifacts</h2>
      {props.artifacts.length === 0 ? (
        <Empty>
          <p>No artifacts declared.</p>
        </Empty>
      ) : (
        <TableRegion label="Artifacts">
          <table>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Size</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {props.artifacts.map((a) => (
                <tr key={a.path}>
                  <th scope="row">
                    <code>{a.path}</code>
                  </th>
                  <td title={`${a.size} bytes`}>{bytes(a.size)}</td>
                  <td>
                    <code class="digest">{a.sha256}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}

function Transitions(props: { model: string; version: number }) {
  const { model, version } = props;
  const paged = usePaged(
    (nextToken) =>
      call(
        api.GET("/models/{model}/versions/{version}/transitions", {
          params: { path: { model, version }, query: { ...(nextToken && { nextToken }) } },
        }),
      ),
    [model, version],
  );
  return (
    <section aria-labelledby="transitions-heading">
      <h2 id="transitions-heading">Transition requests</h2>
      {paged.items.length > 0 && (
        <TableRegion label="Transition requests">
          <table>
            <thead>
              <tr>
                <th scope="col">Requested</th>
                <th scope="col">Move</th>
                <th scope="col">Status</th>
                <th scope="col">Approvals</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Time iso={t.requestedAt} /> by <Actor arn={t.requestedBy} />
                  </td>
                  <td>
                    {t.from} → {t.to}
                  </td>
                  <td>{t.status}</td>
                  <td>
                    {approvalCount(t)} of {t.approvalsRequired}
                  </td>
                  <td>{t.reason ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      <PagedFooter
        paged={paged}
        what="transition requests"
        empty={<p>No transition requested for this version yet.</p>}
      />
    </section>
  );
}
