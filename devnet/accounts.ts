// The devnet's keys live in lib/devnet/accounts.ts (the CLI and deploy/ use them too). This re-export
// keeps devnet/seed.ts and devnet/traffic.ts working until the lending branch rewrites them.
export * from "../lib/devnet/accounts.js";
