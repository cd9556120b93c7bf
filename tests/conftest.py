"""Suite-wide pytest configuration: the slow and gpu markers skip, never fail, where they cannot run."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="also run tests marked slow")


def _gpu_available() -> bool:
    try:
        import cupy  # type: ignore[import-not-found]

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        pass
    try:
        import torch  # type: ignore[import-not-found]

        return bool(torch.cuda.is_available())
    except Exception:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_slow = config.getoption("--runslow") or os.environ.get("DUALCARBON_SLOW") == "1"
    gpu = None
    for item in items:
        if "slow" in item.keywords and not run_slow:
            item.add_marker(pytest.mark.skip(reason="slow: run with --runslow or DUALCARBON_SLOW=1"))
        if "gpu" in item.keywords:
            if gpu is None:
                gpu = _gpu_available()
            if not gpu:
                item.add_marker(pytest.mark.skip(reason="gpu: no CUDA device with CuPy or PyTorch here"))
