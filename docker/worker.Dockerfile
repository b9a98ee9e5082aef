# The ingest worker on an NVIDIA GPU: CUDA 12 + cuDNN 9 runtime, Node 20, and onnxruntime-node's CUDA provider,
# fetched here at build time (the one place the project downloads onnxruntime's CUDA files).
# Build from the repository root: docker build -f docker/worker.Dockerfile .
FROM node:24-bookworm-slim AS node

FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
WORKDIR /app
# npm ci skips the download (.npmrc); the CUDA provider is fetched explicitly below, once.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx tsc -b \
 && npm prune --omit=dev \
 && ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js

FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvips-tools libjemalloc2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app /app
# jemalloc instead of glibc's malloc: sharp/libvips and onnxruntime allocate from many threads, and glibc's arenas
# fragment under a long-running server's ingests; a background thread hands freed pages back within a second
# (bench:soak, 10 min with a continuous re-ingest: RSS +14.5 % with glibc, +7.2 % jemalloc's defaults, +0.1 % this).
ENV LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
    MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0
ENV NODE_ENV=production DATA_DIR=/data CYTOCLIP_DEVICE=cuda CYTOCLIP_SKIP_BUILD=1
ENTRYPOINT ["node", "apps/cli/bin/cytoclip.js"]
CMD ["ingest", "--help"]
