# The operator's image. Build: docker build -t mooring:0.1.0 .
# A checkout runs the TypeScript sources as they are (Node 24 strips the types); the image runs
# them bundled by esbuild into dist/ (src/build/bundle.ts): no type stripper (~17 MiB of memory),
# and only the code the operator can reach, minified, in V8's heap. The first stage bundles, the
# second installs production dependencies only (the packages the bundle leaves out, and a plugin's
# own), the last holds those and the bundle.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the one the project allows is the dev-only `node` package's.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY sdk ./sdk
COPY providers ./providers
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# A young generation of 4 MiB semi-spaces instead of V8's default (up to 32 MiB on a large host):
# the operator makes short-lived garbage in small amounts, and the default let RSS grow by ~200 MiB
# of uncollected garbage at no gain in speed (bench/results.md, docs/operations.md "Memory").
# --conditions=mooring-dist: a plugin's `import 'mooring/sdk'` resolves to the bundle's SDK entry,
# dist/sdk.mjs (the package's "exports"): the very SDK instance the operator itself runs.
ENV NODE_OPTIONS="--max-semi-space-size=4 --conditions=mooring-dist"
# Two malloc arenas, not one per thread that mallocs: about 7 MiB less resident under load
# (src/runtime/node-flags.ts holds the environment the operator runs with; docs/performance.md).
ENV MALLOC_ARENA_MAX=2
# Nothing may write beside the app: with a read-only root filesystem the only writable place is
# the /tmp emptyDir the chart mounts, so HOME points there (the AWS SDK looks for ~/.aws).
ENV HOME=/tmp
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./package.json
COPY --from=build /app/dist ./dist
# A numeric non-root user, so runAsNonRoot can verify it without a passwd entry.
USER 10001:10001
EXPOSE 8080
# SIGTERM reaches node directly (exec form, PID 1): it stops watching, lets in-flight reconciles
# finish, releases its Lease and exits 0. Two V8 flags NODE_OPTIONS does not take (the list is
# src/runtime/node-flags.ts, which the sandbox runs with too; bench/support.test.ts holds this file
# to it): --optimize-for-size favours memory over speed; --max-opt=2 stops at Maglev, so TurboFan's
# own code (about 6 MiB of resident pages) is never paged in, at no operator CPU the bench could
# see (docs/performance.md).
ENTRYPOINT ["node", "--optimize-for-size", "--max-opt=2", "dist/mooring.mjs"]
CMD ["run"]
