# syntax=docker/dockerfile:1.7
#
# The Board: its static build served by nginx on port 3000, with /api/, /healthz and /readyz
# proxied to the api service (DESIGN "Processes": nginx in compose/Helm).
# Build from the repository root:
#   docker build -f docker/board.Dockerfile -t qatron/board:0.1.0 .
# docker/board.Dockerfile.dockerignore sends only the manifests, board/ and the nginx template.

ARG NODE_VERSION=24.11.1
ARG NPM_VERSION=11.19.1

# ---- build: board/dist ----------------------------------------------------------------------
# The Board is built inside the image so that install.sh needs Docker only, no Node on the host.
# Only the board workspace's dependencies are installed (vite, vue, echarts…); the Board imports
# nothing from the other workspaces (eslint's package boundaries).
FROM node:${NODE_VERSION}-bookworm-slim AS build
ARG NPM_VERSION
RUN npm install -g "npm@${NPM_VERSION}" --no-audit --no-fund
WORKDIR /app
COPY . .
RUN npm ci --workspace board --no-audit --no-fund \
 && npm run build --workspace board \
 && test -f board/dist/index.html

# ---- runtime: unprivileged nginx (uid 101), so Kubernetes can enforce runAsNonRoot ------------
FROM nginxinc/nginx-unprivileged:1.29.4-alpine AS runtime
# The image's entrypoint renders /etc/nginx/templates/*.template with envsubst at start:
#   QATRON_API_UPSTREAM            host:port of the api (compose: api:8000; Helm sets the Service)
#   NGINX_ENTRYPOINT_LOCAL_RESOLVERS  makes the entrypoint export NGINX_LOCAL_RESOLVERS from
#                                  /etc/resolv.conf, so nginx re-resolves the api name at run time
#                                  instead of pinning the address it saw at start.
ENV QATRON_API_UPSTREAM=api:8000 \
    NGINX_ENTRYPOINT_LOCAL_RESOLVERS=1
COPY docker/nginx.conf /etc/nginx/templates/default.conf.template
COPY --from=build /app/board/dist/ /usr/share/nginx/html/
EXPOSE 3000
