import { Command, CommanderError } from "commander";
import { registerDeployCommand } from "./commands/deploy.js";
import { registerFaucetCommand } from "./commands/faucet.js";
import { registerRelayCommand } from "./commands/relay.js";
import { registerSendCommand } from "./commands/send.js";
import { registerStatusCommand } from "./commands/status.js";
import { registerValidatorsCommand } from "./commands/validators.js";
import { reportError } from "./output.js";

/**
 * `bridge`: the user's and operator's command line. Each command lives in cli/commands/ and registers
 * itself here; every command has --help.
 */
const program = new Command()
  .name("bridge")
  .description("Move tokens across chains and operate the bridge (devnet and public testnets).")
  .showHelpAfterError()
  .exitOverride();

registerDeployCommand(program);
registerFaucetCommand(program);
registerSendCommand(program);
registerStatusCommand(program);
registerRelayCommand(program);
registerValidatorsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    reportError(error);
    process.exitCode = 1;
  }
}
