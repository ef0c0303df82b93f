import { CommanderError } from "commander";
import { reportError } from "./output.js";
import { bridgeProgram } from "./program.js";

/**
 * `bridge`: the user's and operator's command line. cli/program.ts declares the commands; each lives
 * in cli/commands/ and is loaded when it runs.
 */
try {
  await bridgeProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    reportError(error);
    process.exitCode = 1;
  }
}
