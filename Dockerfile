# syntax=docker/dockerfile:1

# ---- build: compile TypeScript with the dev dependencies --------------------------------
FROM node:24-bookworm-slim AS build
# @nestjs/swagger depends on @scarf/scarf, whose install script reports installs: off.
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the compiled output only ----------------------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
# No dev or optional packages (the mailer's template engines, typescript, native bindings:
# ~155 MiB on NestJS 12) and no install scripts: nothing in the production set needs one.
# test/production-install.e2e-spec.ts installs exactly this, starts it and measures it.
# Then source maps and type declarations go (nothing reads them at run time): ~155 → ~89 MiB.
COPY scripts/prune-node-modules.sh ./scripts/
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force \
    && bash scripts/prune-node-modules.sh node_modules && rm -r scripts
COPY --from=build /app/dist ./dist
# The outbox transport's default OUTBOX_DIR (./var/outbox). The application files stay
# root-owned, so the process cannot rewrite its own code; in Kubernetes the root filesystem
# is read-only and an emptyDir is mounted here instead.
RUN mkdir -p var/outbox && chown -R node:node var
USER node
EXPOSE 3000 9464
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz. Exec form, so node is PID 1 and
# receives SIGTERM directly and can drain the queue.
CMD ["node", "dist/main.js"]
