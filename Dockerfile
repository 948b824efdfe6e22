# scc-sync service image: `scc-sync run` under tini as a non-root user, state on a volume.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# tini as PID 1 forwards SIGTERM to scc-sync and reaps children.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --user-group scc
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY config/scc-sync.toml ./config/scc-sync.toml
COPY templates ./templates
RUN mkdir -p /app/state && chown scc:scc /app/state
USER 10001:10001
# Environment: SCC_SYNC_CONFIG (the config file; mount your own over /app/config), the secrets the config
# names (SCC_SYNC_SECRET, SCC_SYNC_SMTP_PASSWORD by default), PGPASSWORD for a PostgreSQL [state] database.
# Stop with a timeout above [service] shutdown_grace (30s), e.g. `docker stop -t 40`: Docker's default is 10s.
ENV SCC_SYNC_CONFIG=/app/config/scc-sync.toml \
    PYTHONUNBUFFERED=1
VOLUME ["/app/state"]
EXPOSE 8080
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["scc-sync", "healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "scc-sync"]
CMD ["run", "--listen", "0.0.0.0:8080"]
