import { fileURLToPath } from "node:url";

/** The repository root: entries, `#core/*` imports and node_modules resolve from here. */
export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
