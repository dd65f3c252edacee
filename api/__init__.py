"""The FastAPI service for supplier-chain lookups, analyses and named queries."""
