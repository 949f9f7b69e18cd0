# The whole system in one image: the registry, the action server, the Rasa server (with the model
# trained at build time) and the web server. `docker run` starts all four as `make run` does; a
# Kubernetes Deployment runs one of them by overriding the command (docs/scale/kubernetes.md).
#
#   docker build -t onceonly .
#   docker run --rm -p 5005:5005 -p 5100:5100 -p 8080:8080 onceonly
#
# Not yet built where it was written (no Docker daemon there): docs/scale/kubernetes.md.

# socket.io-client, which the web server serves to the widget (the browser-test packages are left out).
FROM node:20-slim AS web
WORKDIR /web
COPY bot/web/package.json bot/web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.10-slim
ENV RASA_TELEMETRY_ENABLED=false \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ONCEONLY_REGISTRY_HOST=0.0.0.0 \
    ONCEONLY_WEB_HOST=0.0.0.0
# Debian's chromium prints the one-time notice's PDF; the CJK fonts make its Chinese legible.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The pinned tree first, so a code change does not reinstall ~3 GB of packages.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=web /web/node_modules bot/web/node_modules
RUN pip install --no-cache-dir --no-deps -e . \
    && pip check \
    && python -m bot train
EXPOSE 5005 5055 5100 8080
CMD ["python", "-m", "bot", "run"]
