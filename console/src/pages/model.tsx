/** `/console/models/{model}`: the model, its versions and its stage timeline (from stage history). */
import { Link, paths } from "../router.tsx";
import { api, call, type Schemas } from "../session.ts";
import { Actor, ErrorNote, Loading, PagedFooter, TableRegion, Time, useLoad, usePaged } from "../ui.tsx";

const TIMELINE_STAGES = ["production", "staging"] as const;

export function ModelPage(props: { model: string }) {
  const { model } = props;
  const found = useLoad(() => call(api.GET("/models/{model}", { params: { path: { model } } })), [model]);
  return (
    <>
      <p class="crumbs">
        <Link href={paths.models()}>Models</Link> /
      </p>
      <h1 tabIndex={-1}>{model}</h1>
      {found.loading && <Loading what="the model" />}
      {found.error !== undefined && <ErrorNote error={found.error} retry={found.reload} />}
      {found.value && <ModelSummary model={found.value} />}
      {found.value && <Versions model={model} />}
      {found.value &&
        TIMELINE_STAGES.map((stage) => <StageTimeline key={stage} model={model} stage={stage} />)}
    </>
  );
}

function ModelSummary(props: { model: Schemas["Model"] }) {
  const m = props.model;
  const aliases = Object.entries(m.aliases);
  const tags = Object.entries(m.tags);
  return (
    <dl class="facts">
      {m.description && (
        <>
          <dt>Description</dt>
          <dd>{m.description}</dd>
        </>
      )}
      <dt>Owner</dt>
      <dd>{m.owner ?? "—"}</dd>
      <dt>Production</dt>
      <dd>{m.stages.production === undefined ? "nobody" : `version ${m.stages.production}`}</dd>
      <dt>Staging</dt>
      <dd>{m.stages.staging === undefined ? "nobody" : `version ${m.stages.staging}`}</dd>
      <dt>Aliases</dt>
      <dd>{aliases.length ? aliases.map(([name, v]) => `${name} → ${v}`).join(", ") : "none"}</dd>
      <dt>Tags</dt>
      <dd>{tags.length ? tags.map(([k, v]) => `${k}=${v}`).join(", ") : "none"}</dd>
      <dt>Last change</dt>
      <dd>
        <Time iso={m.updatedAt} /> by <Actor arn={m.updatedBy} />
      </dd>
    </dl>
  );
}

function Versions(props: { model: string }) {
  const { model } = props;
  const paged = usePaged(
    (nextToken) =>
      call(
        api.GET("/models/{model}/versions", {
          params: { path: { model }, query: { ...(nextToken && { nextToken }) } },
        }),
      ),
    [model],
  );
  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      {paged.items.length > 0 && (
        <TableRegion label="Versions">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Stage</th>
                <th scope="col">Aliases</th>
                <th scope="col">Metrics</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((v) => (
                <tr key={v.version}>
                  <th scope="row">
                    <Link href={paths.version(model, v.version)}>version {v.version}</Link>
                  </th>
                  <td>{v.status}</td>
                  <td>{v.stage}</td>
                  <td>{v.aliases.join(", ") || "—"}</td>
                  <td>
                    {Object.entries(v.metrics)
                      .slice(0, 3)
                      .map(([name, value]) => `${name}=${value}`)
                      .join(", ") || "—"}
                  </td>
                  <td>
                    <Time iso={v.createdAt} /> by <Actor arn={v.createdBy} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      <PagedFooter
        paged={paged}
        what="versions"
        empty={
          <p>
            No versions yet. A publisher creates one with{" "}
            <code>registry versions create {model} --artifact-file FILE</code>.
          </p>
        }
      />
    </section>
  );
}

function StageTimeline(props: { model: string; stage: (typeof TIMELINE_STAGES)[number] }) {
  const { model, stage } = props;
  const paged = usePaged(
    (nextToken) =>
      call(
        api.GET("/models/{model}/stages/{stage}/history", {
          params: { path: { model, stage }, query: { ...(nextToken && { nextToken }) } },
        }),
      ),
    [model, stage],
  );
  const title = `${stage[0]!.toUpperCase()}${stage.slice(1)} timeline`;
  const headingId = `timeline-${stage}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {paged.items.length > 0 && (
        <TableRegion label={title}>
          <table>
            <caption>Which version held {stage}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">From</th>
                <th scope="col">Until</th>
                <th scope="col">Moved in by</th>
                <th scope="col">Approved by</th>
                <th scope="col">Moved out by</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((tenure) => (
                <tr key={`${tenure.version}-${tenure.from}`}>
                  <th scope="row">
                    <Link href={paths.version(model, tenure.version)}>version {tenure.version}</Link>
                  </th>
                  <td>
                    <Time iso={tenure.from} />
                  </td>
                  <td>{tenure.until ? <Time iso={tenure.until} /> : "holds it now"}</td>
                  <td>
                    <Actor arn={tenure.enteredBy} />
                  </td>
                  <td>
                    {tenure.approvedBy.length === 0
                      ? "no approval needed"
                      : tenure.approvedBy.map((arn, i) => (
                          <span key={arn}>
                            {i > 0 && ", "}
                            <Actor arn={arn} />
                          </span>
                        ))}
                  </td>
                  <td>{tenure.leftBy ? <Actor arn={tenure.leftBy} /> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      <PagedFooter
        paged={paged}
        what={`${stage} history`}
        empty={<p>No version has held {stage} yet: a transition request moves one there.</p>}
      />
    </section>
  );
}
