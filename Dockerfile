# Herald: one container serving feeds, the fediverse account and pages on port 8080.
FROM node:24-slim

ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY config ./config
COPY content ./content

# data/media exists in the image so that a volume mounted there (copies of remote covers, shared
# between scheduler and web processes) starts owned by the node user.
RUN mkdir -p /app/data/media && chown -R node:node /app/data
USER node

VOLUME ["/app/content", "/app/config", "/app/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "src/cli.ts", "serve"]
