# One image for every service of the stack (validators, relayer, indexer, risk API, deployer); each
# compose service runs its built entry point (dist/, made by `npm run build` below) or `ponder start`.
FROM node:20-bookworm-slim

# ca-certificates: @foundry-rs/anvil's install script fetches its binary over HTTPS.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production \
    PONDER_TELEMETRY_DISABLED=true

# Dependencies first, so source edits do not re-run npm ci. The build needs esbuild, a devDependency.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --include=dev

COPY . .
# The CLI and service builds in dist/ (`prepare` skipped them above, before the sources were copied).
RUN npm run build

# Services run as the unprivileged node user; their data lives in volumes.
RUN mkdir -p /deployments /data && chown -R node:node /deployments /data /app
USER node

CMD ["npm", "start"]
