# The supplymap API image (docker-compose.yml's api service). It talks to the Neo4j service
# through SUPPLYMAP_NEO4J_* (bolt:// or neo4j:// for a cluster or Aura). The local engine is
# never used here, so its package (ArcadeDB with a bundled Java runtime, about 100 MB) is
# removed again in the same layer; dev extras (pytest, ruff, mypy) are never installed.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kg kg
COPY loaders loaders
COPY queries queries
COPY api api
RUN pip install . \
    && pip uninstall --yes arcadedb-embedded \
    && useradd --create-home --uid 10001 supplymap
USER supplymap
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)"]
CMD ["supplymap", "serve", "--host", "0.0.0.0", "--port", "8000"]
