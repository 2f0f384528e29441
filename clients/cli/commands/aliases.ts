import { parseVersion } from "../flag-values.ts";
import { type Command, operand } from "./command.ts";

export const aliasCommands: Command[] = [
  {
    words: ["aliases", "set"],
    operands: ["MODEL", "ALIAS", "VERSION"],
    options: [],
    synopsis: "",
    run: (context) =>
      context
        .client()
        .setAlias(operand(context, 0), operand(context, 1), parseVersion("VERSION", operand(context, 2))),
  },
  {
    words: ["aliases", "get"],
    operands: ["MODEL", "ALIAS"],
    options: [],
    synopsis: "",
    run: (context) => context.client().getAlias(operand(context, 0), operand(context, 1)),
  },
  {
    words: ["aliases", "delete"],
    operands: ["MODEL", "ALIAS"],
    options: [],
    synopsis: "",
    run: async (context) => {
      const [model, alias] = [operand(context, 0), operand(context, 1)];
      await context.client().deleteAlias(model, alias);
      return { model, alias, deleted: true };
    },
  },
];
