# openwebrun: one image for the API process (`openwebrun serve`) and the worker (`openwebrun worker`).
# Debian's Chromium is installed from the distribution; Python packages from PyPI (with the cluster extra).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    OPENWEBRUN_CHROMIUM_PATH=/usr/bin/chromium OPENWEBRUN_DATA_DIR=/data OPENWEBRUN_HOST=0.0.0.0

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-liberation tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY openwebrun ./openwebrun
RUN pip install '.[cluster]' && useradd --create-home --uid 10001 openwebrun && mkdir -p /data \
    && chown openwebrun /data
USER openwebrun
VOLUME /data
EXPOSE 8000

ENTRYPOINT ["tini", "--", "openwebrun"]
CMD ["serve"]
