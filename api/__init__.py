"""The FastAPI service for supplier-chain lookups, analyses and named queries."""

from api.app import create_app

__all__ = ["create_app"]
