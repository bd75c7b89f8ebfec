# syntax=docker/dockerfile:1
# Feedloop's production image: one image for every process (web, worker, beat, migrate),
# chosen by the entrypoint's first argument (scripts/entrypoint). See README, Deployment.

# -- builder: every dependency as a wheel (compilers live here only) ---------------------
FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install --yes --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /build/requirements.txt
RUN pip wheel --wheel-dir /build/wheels --requirement /build/requirements.txt

# -- runtime: the slim base, the wheels installed offline, the app, a non-root user ------
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    FEEDLOOP_STORAGE_DIR=/app/var/storage \
    MPLCONFIGDIR=/app/var/matplotlib
RUN groupadd --system --gid 10001 feedloop \
 && useradd --system --uid 10001 --gid feedloop --home-dir /app --no-create-home --shell /usr/sbin/nologin feedloop
COPY --from=builder /build /build
RUN pip install --no-index --find-links /build/wheels --requirement /build/requirements.txt \
 && rm -rf /build
WORKDIR /app
COPY . /app
# Hashed, compressed static files, collected once here: no settings but a throwaway key
# (no database, no broker); WhiteNoise serves them read-only at run time.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput
# Matplotlib (the dashboard's charts) builds its font cache once, here, rather than in a
# temporary directory at every start; it wants its directory writable.
RUN python -c "import matplotlib.font_manager" \
 && mkdir -p /app/var/storage \
 && chown -R feedloop:feedloop /app/var/storage /app/var/matplotlib
# /app/var/storage is the only place the app writes files to (local file storage):
# mount a volume there, or use S3.
USER 10001:10001
EXPOSE 8000
# For the web role (compose switches it for worker and beat); no curl in the slim base.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["/app/scripts/entrypoint"]
CMD ["web"]
