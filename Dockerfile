# One image for every Bye-Buy program (byebuy-api, -poster, -monitor, -responder, -sandbox,
# -login, -inbox-probe); docker-compose.yml picks the program with `command`. Stage 1 builds
# with Debian's -dev packages, stage 2 carries only the runtime libraries and the binaries.

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential pkg-config libcivetweb-dev librdkafka-dev libcjson-dev libpq-dev \
      libcurl4-openssl-dev libssl-dev libvips-dev libsodium-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY mk mk
COPY libs libs
COPY services services
COPY tests/sandbox tests/sandbox
RUN make -j"$(nproc)" bins && ls -l build/bin

# The dashboard (frontend/, React + TypeScript): npm ci from the committed lockfile, then the
# type check and bundle; its API types are generated from the api's openapi.json.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./
COPY services/api/openapi.json /src/services/api/openapi.json
RUN npm run build

FROM debian:12-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcivetweb1 librdkafka1 libcjson1 libpq5 libcurl4 libssl3 libvips42 libsodium23 \
      ca-certificates curl tini \
 && rm -rf /var/lib/apt/lists/*
# uid 1200 is the Selenium images' "seluser": the browser container reads the poster's
# downloaded images (WORK_DIR) and writes the profiles that the poster names, on volumes
# shared with the poster only (the api's uploads are shared with no other container).
RUN groupadd -g 1200 byebuy \
 && useradd -u 1200 -g 1200 -d /app -s /usr/sbin/nologin byebuy \
 && mkdir -p /app /data/uploads /data/work /data/profiles /data/sandbox \
 && chown -R byebuy:byebuy /data
WORKDIR /app
COPY --from=build /src/build/bin/ /usr/local/bin/
COPY migrations migrations
COPY services/poster/recipes services/poster/recipes
COPY recipes recipes
COPY --from=frontend /src/frontend/dist frontend/dist
ENV HTTP_HOST=0.0.0.0 \
    UPLOAD_DIR=/data/uploads \
    WORK_DIR=/data/work \
    PROFILE_DIR=/data/profiles \
    SANDBOX_DATA_DIR=/data/sandbox \
    MIGRATIONS_DIR=/app/migrations \
    RECIPES_DIR=/app/services/poster/recipes \
    INBOX_RECIPES_DIR=/app/recipes/inbox \
    SPA_DIR=/app/frontend/dist
USER byebuy
# tini forwards SIGTERM to the program and reaps children: clean stops within the grace period.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["byebuy-api"]
