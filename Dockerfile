# The broker image. Build: docker build -t hatrack .   Run: see docker-compose.yml.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY views ./views
COPY public ./public
RUN mkdir -p certs && chown node:node certs
USER node
EXPOSE 3000
# Behind a path prefix (publicUrl with a path), /healthz moves under it: adjust this line.
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/hatrack.mjs", "serve"]
