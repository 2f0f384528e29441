import { parseVersion } from "../flag-values.ts";
import { type Command, commandWithoutOptions, operand } from "./command.ts";

export const aliasCommands: Command[] = [
  commandWithoutOptions(["aliases", "set"], ["MODEL", "ALIAS", "VERSION"], (context) =>
    context
      .client()
      .setAlias(operand(context, 0), operand(context, 1), parseVersion("VERSION", operand(context, 2))),
  ),
  commandWithoutOptions(["aliases", "get"], ["MODEL", "ALIAS"], (context) =>
    context.client().getAlias(operand(context, 0), operand(context, 1)),
  ),
  commandWithoutOptions(["aliases", "delete"], ["MODEL", "ALIAS"], async (context) => {
    const [model, alias] = [operand(context, 0), operand(context, 1)];
    await context.client().deleteAlias(model, alias);
    return { model, alias, deleted: true };
  }),
];
