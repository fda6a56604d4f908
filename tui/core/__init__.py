"""The monitor's core: the model, sources, collector, detectors. Imports neither Textual
nor workloads (checked by `lint-imports`, see pyproject.toml)."""
