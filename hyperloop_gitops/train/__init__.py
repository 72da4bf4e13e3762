"""Trains: what runs (TrainSpec, content hashes) and how (O2 configuration and command)."""

from __future__ import annotations

from hyperloop_gitops.train.canonical import canonical_json, content_hash
from hyperloop_gitops.train.inputs import InputFile, dataset_files, default_data_dir, sample_files
from hyperloop_gitops.train.spec import (
    Part,
    SpecContext,
    TestInput,
    TrainSpec,
    WagonInstance,
    build_train_spec,
    part_label,
    spec_context,
    wagon_test_parts,
    wagon_test_spec,
)

__all__ = [
    "InputFile",
    "Part",
    "SpecContext",
    "TestInput",
    "TrainSpec",
    "WagonInstance",
    "build_train_spec",
    "canonical_json",
    "content_hash",
    "dataset_files",
    "default_data_dir",
    "part_label",
    "sample_files",
    "spec_context",
    "wagon_test_parts",
    "wagon_test_spec",
]
