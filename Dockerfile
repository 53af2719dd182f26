# One image for every service and the CLI of clearance-engine (the Kubernetes manifests in
# deploy/k8s run it with a different command per Deployment / Job). TypeScript runs as source
# through @swc-node/register, exactly as `npm start` and the tests run it.
#   docker build -t clearance-engine:dev .
#   docker run --rm clearance-engine:dev tools/cli/src/main.ts --help
# Not built on the machine this was written on (no Docker engine there); see deploy/k8s/README.md.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NX_DAEMON=false NX_NO_CLOUD=true CI=true

# Dependencies first (cached while the lock does not change). The postinstall hook applies
# patches/ (the kafkajs read-committed fix), so the patches come in before the install; the
# devDependencies (patch-package among them) are pruned afterwards, the patched files stay.
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force

COPY tsconfig.json tsconfig.base.json .swcrc ./
COPY schemas ./schemas
COPY libs ./libs
COPY services ./services
COPY tools ./tools

ENV NODE_ENV=production
# V8: a 64 MiB young generation for the stream services (tools/cli/src/processes.ts, docs/BENCHMARKS.md)
ENV NODE_OPTIONS=--max-semi-space-size=64
USER node
# Health and metrics listen on every interface inside a pod.
ENV HTTP_HOST=0.0.0.0 HOST=0.0.0.0
ENTRYPOINT ["node", "-r", "@swc-node/register"]
CMD ["tools/cli/src/main.ts", "--help"]
