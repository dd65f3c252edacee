"""Readers, validation, declarative mappings and batched idempotent writes."""
