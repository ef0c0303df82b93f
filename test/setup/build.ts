import { execFileSync } from "node:child_process";
import { join } from "node:path";

/**
 * Integration suites start our processes from their builds in dist/ (the devnet's validators,
 * relayer and traffic; the CLI), as users do. Building first means they run the code being tested,
 * not whatever an earlier `npm run build` left behind. esbuild takes a few seconds.
 */
export default function buildProcesses(): void {
  execFileSync(process.execPath, ["build.mjs"], {
    cwd: join(import.meta.dirname, "../.."),
    stdio: "inherit",
  });
}
