# The supplymap API image (docker-compose.yml's api service). It talks to the Neo4j service
# through SUPPLYMAP_NEO4J_*; the local engine bundled with the package is not used here.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kg kg
COPY loaders loaders
COPY queries queries
COPY api api
RUN pip install . && useradd --create-home --uid 10001 supplymap
USER supplymap
EXPOSE 8000
CMD ["supplymap", "serve", "--host", "0.0.0.0", "--port", "8000"]
