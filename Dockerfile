# logwisp on Node 20: follows the log files mounted read-only at /logs and serves HTTP/SSE on 8080 and TCP
# on 9090. Build: docker build -t logwisp .
# Run:   docker run --rm -p 8080:8080 -p 9090:9090 -v /var/log:/logs:ro logwisp

# Build stage: compile and pack exactly what `npm pack` ships (test/packaging.test.ts installs the same
# tarball and runs it). Bun and Deno are devDependencies only for the tests: --ignore-scripts skips their
# install steps. Optional dependencies stay: esbuild (which bundles the live view's script) ships its
# binary as one.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json README.md LICENSE ./
COPY src ./src
RUN mkdir /pkg && npm pack --pack-destination /pkg && mv /pkg/logwisp-*.tgz /pkg/logwisp.tgz

# Runtime stage: the packed package and its production dependencies, run as the unprivileged node user.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /pkg/logwisp.tgz /tmp/logwisp.tgz
RUN npm install --omit=dev --no-audit --no-fund /tmp/logwisp.tgz && rm /tmp/logwisp.tgz && npm cache clean --force \
  && mkdir /state && chown node:node /state
# checkpoints and the saved replay ring: mount a volume here so a new container goes on where the last stopped
ENV LOGWISP_STATE_DIR=/state
USER node
EXPOSE 8080 9090
VOLUME ["/logs", "/state"]
# The slim image has no curl: node itself asks /status (on LOGWISP_HTTPSERVER_PORT when that is set).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.LOGWISP_HTTPSERVER_PORT || 8080) + '/status').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/node_modules/logwisp/dist/cli.js"]
CMD ["--enable-tcp", "/logs:*.log"]
