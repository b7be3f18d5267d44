# The broker image. Build: docker build -t hatrack .   Run: see docker-compose.yml.
# Two stages: the first compiles src/ to dist/ with the dev dependencies; the image keeps only the
# production dependencies, the compiled code, the templates and the stylesheet.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# `prepare` runs `npm run build` once the dependencies are in.
RUN npm ci --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY bin/hatrack.js ./bin/hatrack.js
COPY views ./views
COPY public ./public
RUN mkdir -p certs && chown node:node certs
USER node
EXPOSE 3000
# Behind a path prefix (publicUrl with a path), /healthz moves under it: adjust this line.
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/hatrack.js", "serve"]
