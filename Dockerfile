FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
# The sources run through tsx; nothing to build.
CMD ["node", "bin/tenantpulse.js", "serve"]
