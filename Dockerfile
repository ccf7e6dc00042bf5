# syntax=docker/dockerfile:1.7
# Images of the services, one target each (docker compose builds them):
#   docker build --target command-api -t crypto-invest/command-api .
# targets: command-api, query-api, projector, dashboard, migrate (the one-shot schema migration).
#
# Stages: manifests (the package.json files alone, so that dependency layers stay cached
# while sources change) -> build (every dependency; each service bundled by its `build`
# script into services/<name>/dist/index.js, workspace packages included) -> one runtime
# target per service: its production dependencies only, its bundle, a non-root user and a
# HEALTHCHECK on its /health.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
# The package manager the lockfile was written with (package.json "packageManager").
RUN npm install -g npm@11.19.1 && npm cache clean --force
WORKDIR /app

FROM base AS manifests
COPY . /src
RUN cd /src && mkdir /manifests && cp package.json package-lock.json /manifests/ \
  && find packages services db -maxdepth 2 -name package.json -exec cp --parents '{}' /manifests/ ';'

FROM base AS build
COPY --from=manifests /manifests ./
RUN npm ci
COPY . .
RUN npm run build -w @crypto-invest/command-api -w @crypto-invest/query-api -w @crypto-invest/projector
# The migration runner (db/src/cli/migrate.ts), bundled the same way for the migrate target.
RUN cd db && node --import tsx ../packages/tooling/src/bundle-service.ts src/cli/migrate.ts dist/migrate.js
# ---- DASHBOARD: its `build` is build:client (the browser app, Vite -> dist/client) then
# build:server (dist/index.js). The image is useless without the client: fail here if it is missing.
RUN npm run build -w @crypto-invest/dashboard && test -f services/dashboard/dist/client/index.html

FROM base AS runtime
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=manifests /manifests ./
# The containers' health check: GET <url>, healthy on a 2xx within 4 s.
COPY <<'EOF' /app/healthcheck.mjs
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT}/health`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
EOF

FROM runtime AS command-api
RUN npm ci --omit=dev -w @crypto-invest/command-api && npm cache clean --force
COPY --from=build /app/services/command-api/dist services/command-api/dist
USER node
ENV PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 CMD ["node", "/app/healthcheck.mjs"]
CMD ["node", "services/command-api/dist/index.js"]

FROM runtime AS query-api
RUN npm ci --omit=dev -w @crypto-invest/query-api && npm cache clean --force
COPY --from=build /app/services/query-api/dist services/query-api/dist
USER node
ENV PORT=8001
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 CMD ["node", "/app/healthcheck.mjs"]
CMD ["node", "services/query-api/dist/index.js"]

FROM runtime AS projector
RUN npm ci --omit=dev -w @crypto-invest/projector && npm cache clean --force
COPY --from=build /app/services/projector/dist services/projector/dist
USER node
ENV PORT=8002
EXPOSE 8002
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 CMD ["node", "/app/healthcheck.mjs"]
CMD ["node", "services/projector/dist/index.js"]

FROM runtime AS dashboard
RUN npm ci --omit=dev -w @crypto-invest/dashboard && npm cache clean --force
# dist/index.js (the server) and dist/client (the browser app, when built above).
COPY --from=build /app/services/dashboard/dist services/dashboard/dist
USER node
ENV PORT=8501
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 CMD ["node", "/app/healthcheck.mjs"]
CMD ["node", "services/dashboard/dist/index.js"]

# One-shot: applies pending migrations to MIGRATE_DATABASE_URL (as the schema owner) and exits.
FROM runtime AS migrate
RUN npm ci --omit=dev -w @crypto-invest/db && npm cache clean --force
COPY --from=build /app/db/dist db/dist
USER node
HEALTHCHECK NONE
CMD ["node", "db/dist/migrate.js"]
