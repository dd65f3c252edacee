"""The sample data set: three key chains (medical supplies, automobiles, integrated circuits)
on their real structure, with planted findings listed in planted.json. See README.md here."""

from loaders.sample.generate import (
    ALL_FILES,
    CANONICAL_FILES,
    DATA_DIR,
    DEFAULT_SEED,
    MANIFEST,
    MONITORING_FILES,
    PLANNING_FILES,
    differences,
    generate,
    sample_files,
)
from loaders.sample.manifest import SampleManifest

__all__ = [
    "ALL_FILES",
    "CANONICAL_FILES",
    "DATA_DIR",
    "DEFAULT_SEED",
    "MANIFEST",
    "MONITORING_FILES",
    "PLANNING_FILES",
    "SampleManifest",
    "differences",
    "generate",
    "sample_files",
]
