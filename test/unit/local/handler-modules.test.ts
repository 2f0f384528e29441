import { describe, expect, it } from "vitest";
import type { DeclaredBundle } from "../../../lib/bundle-inventory.ts";
import {
  declaredBundleOf,
  LOCAL_FUNCTION_ENTRIES,
  type LocalFunction,
  sourceHandlers,
} from "../../../local/handler-modules.ts";
import { LocalModeError } from "../../../local/local-mode-error.ts";

/** One declared bundle per function local mode runs, as the CDK app declares them today. */
const declared: DeclaredBundle[] = Object.entries(LOCAL_FUNCTION_ENTRIES).map(([fn, entry]) => ({
  id: `Api/${fn}`,
  entry,
  without: fn === "models" ? ["s3", "lambda", "sfn"] : [],
}));

describe("which bundle runs each function in local mode", () => {
  it("is the declared bundle with the function's entry", () => {
    const bundles = declaredBundleOf(declared);
    expect(bundles.models).toMatchObject({ id: "Api/models", without: ["s3", "lambda", "sfn"] });
    expect(bundles["verify-artifacts"].entry).toBe("functions/entry-points/verify-artifacts.ts");
    expect(bundles["transition-tasks"].entry).toBe("functions/entry-points/transition-tasks.ts");
    expect(bundles["publish-history"].entry).toBe("functions/entry-points/publish-history.ts");
  });

  it("fails the start, naming each function the app does not deploy, instead of running its source", () => {
    const missing = declared.filter(
      (b) =>
        b.entry !== LOCAL_FUNCTION_ENTRIES.aliases && b.entry !== LOCAL_FUNCTION_ENTRIES["publish-history"],
    );
    expect(() => declaredBundleOf(missing)).toThrow(LocalModeError);
    expect(() => declaredBundleOf(missing)).toThrow(
      "the CDK app declares no function with entry functions/entry-points/aliases.ts (aliases), functions/entry-points/publish-history.ts (publish-history)",
    );
  });

  it("refuses an entry declared twice with different settings, and accepts it twice alike", () => {
    const twice = { ...(declared[1] as DeclaredBundle), id: "Other/models" };
    expect(() => declaredBundleOf([...declared, { ...twice, without: [] }])).toThrow(
      "Api/models and Other/models are bundled differently",
    );
    expect(declaredBundleOf([...declared, twice]).models.id).toBe("Api/models");
  });
});

describe("the sources", () => {
  it("give each registry of a process its own workflow tasks instance, and share the other modules", () => {
    const first = sourceHandlers();
    const second = sourceHandlers();
    expect(first.origin).toEqual({ kind: "sources" });
    expect(first.modules["transition-tasks"].href).not.toBe(second.modules["transition-tasks"].href);
    expect(first.modules["transition-tasks"].pathname).toBe(second.modules["transition-tasks"].pathname);
    const shared = (Object.keys(LOCAL_FUNCTION_ENTRIES) as LocalFunction[]).filter(
      (fn) => fn !== "transition-tasks",
    );
    for (const fn of shared) {
      expect(first.modules[fn].href).toBe(second.modules[fn].href);
      expect(first.modules[fn].pathname.endsWith(`/${LOCAL_FUNCTION_ENTRIES[fn]}`)).toBe(true);
    }
    expect(first.imported()).toEqual([]);
  });
});
