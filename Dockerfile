# One image for every Convene service; the service is the argument:
#   docker build -t convene:0.1.0 .
#   docker run convene:0.1.0 live            (identity, groups, live, meetings, notifications)
#   docker run convene:0.1.0 convene migrate (the operator's command)
# Configuration is the environment (README.md, docs/OPERATIONS.md). The embedded NATS and
# PostgreSQL of `make run` are not in the image: deployments bring their own.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY services ./services
COPY infra ./infra
COPY protos/gen ./protos/gen
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --no-create-home convene
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LOG_FORMAT=json \
    GRPC_HOST=0.0.0.0 \
    GRPC_PORT=50051 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    DRAIN_S=5
EXPOSE 50051 9464
USER 10001
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s CMD ["python", "-m", "services", "health"]
ENTRYPOINT ["python", "-m", "services"]
CMD ["--help"]
