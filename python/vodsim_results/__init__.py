"""The package's earlier name, kept so that code written for it runs
unchanged: everything is `vodsim`'s, except `run` and `sweep`, which keep
their earlier signatures (`out` second and required, the binary as
`vodsim=`). New code: `import vodsim`."""

from __future__ import annotations

import vodsim as _vodsim
from vodsim import (  # noqa: F401
    COLUMN_TYPES,
    PANDAS_TYPES,
    BinaryNotFound,
    ManifestMismatch,
    Run,
    Sweep,
    VodsimError,
    find_binary,
    load,
    load_run,
    load_sweep,
)

__all__ = [
    "ManifestMismatch",
    "Run",
    "Sweep",
    "load_run",
    "load_sweep",
    "run",
    "sweep",
    "COLUMN_TYPES",
]


def run(scenario: str, out: str, seed: int | None = None, set: dict | None = None,
        vodsim: str | None = None, force: bool = False) -> Run:
    """`vodsim.run(scenario, seed, set, out=out, binary=vodsim, force=force)`."""
    return _vodsim.run(scenario, seed=seed, set=set, out=out, binary=vodsim, force=force)


def sweep(scenario: str, out: str, seeds: str, set: dict | None = None,
          vodsim: str | None = None, jobs: int | None = None) -> Sweep:
    """`vodsim.sweep(scenario, seeds, set, out=out, binary=vodsim, jobs=jobs)`."""
    return _vodsim.sweep(scenario, seeds, set=set, out=out, binary=vodsim, jobs=jobs)
