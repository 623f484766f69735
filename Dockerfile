# Mandate: one image for every process. The default command is the embedded all-in-one (one process, one data
# directory at /data); distributed mode runs the same image with another entry point, e.g.
#   node dist/apps/passport/src/main.js   (see deploy/compose/docker-compose.yml and deploy/k8s/).
# Not built by CI: the project's machines have no Docker engine (deploy/README.md).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: dependencies (better-sqlite3 compiles from source when no prebuilt binary is reachable), tsc, prune ----
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so the slow `npm ci` layer is reused until they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts ./scripts
COPY libs ./libs
COPY apps ./apps
COPY bin ./bin
# The console (apps/console) reads the API's types generated from the contract for the TypeScript SDK.
COPY sdks/typescript/src/generated ./sdks/typescript/src/generated
# `npm run build` is tsc plus scripts/link-libs.js, which links dist/node_modules/@mandate/* to dist/libs/*/src with
# relative symlinks (COPY --from keeps them as symlinks). Then drop the dev dependencies, keeping the compiled addon.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: dist + production node_modules, non-root ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MANDATE_DATA_DIR=/data
WORKDIR /app
# Code stays owned by root (read-only for the `node` user that runs it).
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# /data: per-process state (embedded store, or in distributed mode the read-model cache and checkpoints).
# /keys: where compose mounts the shared signing key; created here so a fresh named volume is owned by `node`.
RUN mkdir -p /data /keys \
 && chown node:node /data /keys \
 && chmod 0700 /data /keys
USER node
VOLUME ["/data"]
EXPOSE 8080
# Liveness of whichever process runs, on its own PORT (node 20 has fetch; the slim image has no curl).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains requests and closes the store cleanly: Nest's shutdown hooks handle it, so node runs
# directly as PID 1 without a shell in between.
CMD ["node", "dist/apps/mandate/src/main.js"]
