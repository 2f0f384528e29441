/** `/console/models`: every model (by name), a name-prefix search, each model's stage holders. */
import { useState } from "preact/hooks";
import { Link, navigate, paths } from "../router.tsx";
import { api, call } from "../session.ts";
import { Actor, PagedFooter, TableRegion, Time, usePaged } from "../ui.tsx";

export function ModelsPage(props: { prefix: string }) {
  const [draft, setDraft] = useState(props.prefix);
  const paged = usePaged(
    (nextToken) =>
      call(
        api.GET("/models", {
          params: {
            query: { ...(props.prefix && { prefix: props.prefix }), ...(nextToken && { nextToken }) },
          },
        }),
      ),
    [props.prefix],
  );
  return (
    <>
      <h1 tabIndex={-1}>Models</h1>
      <search>
        <form
          aria-label="Search models"
          onSubmit={(event) => {
            event.preventDefault();
            navigate(paths.models(draft.trim()));
          }}
        >
          <label for="prefix">Name prefix</label>
          <input
            id="prefix"
            type="search"
            value={draft}
            onInput={(event) => setDraft(event.currentTarget.value)}
            autoComplete="off"
          />
          <button type="submit">Search</button>
        </form>
      </search>
      {paged.items.length > 0 && (
        <TableRegion label="Models">
          <table>
            <caption>
              {props.prefix ? `Models whose names start with “${props.prefix}”` : "All models"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Owner</th>
                <th scope="col">Latest version</th>
                <th scope="col">Staging</th>
                <th scope="col">Production</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((model) => (
                <tr key={model.name}>
                  <th scope="row">
                    <Link href={paths.model(model.name)}>{model.name}</Link>
                  </th>
                  <td>{model.owner ?? "—"}</td>
                  <td>{model.latestVersion || "none yet"}</td>
                  <td>{holder(model.name, model.stages.staging)}</td>
                  <td>{holder(model.name, model.stages.production)}</td>
                  <td>
                    <Time iso={model.updatedAt} /> by <Actor arn={model.updatedBy} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      <PagedFooter
        paged={paged}
        what="models"
        empty={
          props.prefix ? (
            <p>No model's name starts with “{props.prefix}”. Try a shorter prefix, or clear the search.</p>
          ) : (
            <p>
              No models yet. A publisher registers one with <code>registry models create NAME</code> (see the
              README's quick start).
            </p>
          )
        }
      />
    </>
  );
}

function holder(model: string, version: number | undefined) {
  return version === undefined ? "—" : <Link href={paths.version(model, version)}>version {version}</Link>;
}
