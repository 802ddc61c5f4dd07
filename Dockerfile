# The operator's image. Build: docker build -t mooring:0.1.0 .
# Node 24 runs the TypeScript sources as they are (type stripping), so there is no compile step:
# the first stage installs production dependencies only, the second holds them and the sources.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the one the project allows is the dev-only `node` package's.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# A young generation of 4 MiB semi-spaces instead of V8's default (up to 32 MiB on a large host):
# the operator makes short-lived garbage in small amounts, and the default let RSS grow by ~200 MiB
# of uncollected garbage at no gain in speed (bench/results.md, docs/operations.md "Memory").
ENV NODE_OPTIONS=--max-semi-space-size=4
# Nothing may write beside the app: with a read-only root filesystem the only writable place is
# the /tmp emptyDir the chart mounts, so HOME points there (the AWS SDK looks for ~/.aws).
ENV HOME=/tmp
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./package.json
COPY src ./src
COPY providers ./providers
# A numeric non-root user, so runAsNonRoot can verify it without a passwd entry.
USER 10001:10001
EXPOSE 8080
# SIGTERM reaches node directly (exec form, PID 1): it stops watching, lets in-flight reconciles
# finish, releases its Lease and exits 0.
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["run"]
