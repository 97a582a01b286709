# syntax=docker/dockerfile:1
# Rota API and web app. The builder compiles src/ to JavaScript (tsc → dist/) and
# builds the web app (Vite → dist/web); the image
# runs plain node on dist/ with production dependencies only (no tsx, no
# TypeScript, no sources).

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY src ./src
COPY web ./web
COPY scripts/build-web.mjs ./scripts/
RUN npm run build

FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ROTA_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
# dist/db/migrate.js finds the migrations at ../../drizzle, i.e. /app/drizzle.
COPY drizzle ./drizzle
COPY --from=build /app/dist ./dist
# The embedded database lives in /data unless DATABASE_URL points at PostgreSQL.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node directly (not npm) so SIGTERM reaches the server and it shuts down gracefully.
CMD ["node", "dist/server.js"]
