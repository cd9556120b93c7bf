"""The CONFIG file: defaults, path resolution, and errors that name the key."""

from __future__ import annotations

import json

import pytest

from dualcarbon.inversion.config import load_config
from dualcarbon.inversion.errors import InvalidConfig

from .inversion_problems import DATA


def test_example_config_loads_with_resolved_paths() -> None:
    cfg = load_config(DATA / "example.toml")
    assert cfg.observations.path == DATA.resolve() / "observations.csv"
    assert cfg.output.directory == DATA.resolve() / "example-output"
    assert cfg.inversion.gamma == 1.0 and cfg.errors.model_error == 0.3
    assert cfg.forward.origin == (116.40, 39.90)


def test_json_config_and_defaults(tmp_path) -> None:
    p = tmp_path / "c.json"
    p.write_text(
        json.dumps(
            {
                "observations": {"path": "o.csv"},
                "prior": {"path": "f.csv"},
                "forward": {"model": "jacobian", "jacobian": ["K.npy"]},
            }
        )
    )
    cfg = load_config(p)
    assert cfg.inversion.form == "auto" and cfg.inversion.backend == "numpy"
    assert cfg.forward.jacobian == (tmp_path / "K.npy",)
    assert cfg.output.directory == tmp_path / "inversion-output"


@pytest.mark.parametrize(
    ("text", "match", "column"),
    [
        (
            '[observations]\npath="o.csv"\n[prior]\npath="f.csv"\n[met]\npath="m.csv"\n[inversion]\ngama=1\n',
            "unknown key",
            "inversion.gama",
        ),
        (
            '[observations]\npath="o.csv"\n[prior]\npath="f.csv"\n[met]\npath="m.csv"\n[inversion]\nform="kalman"\n',
            "must be one of",
            "inversion.form",
        ),
        (
            '[observations]\npath="o.csv"\n[prior]\npath="f.csv"\n[met]\npath="m.csv"\n[inversion]\ngamma=-1\n',
            "must be > 0",
            "inversion.gamma",
        ),
        (
            '[observations]\npath="o.csv"\n[prior]\npath="f.csv"\n[met]\npath="m.csv"\n[inversion]\ngamma="x"\n',
            "must be a number",
            "inversion.gamma",
        ),
        ('[observations]\npath="o.csv"\n', "missing section", "prior"),
        ('[observations]\npath="o.csv"\n[prior]\npath="f.csv"\n', "needs \\[met\\] path", "met.path"),
        ('[observations]\npath="o.csv"\n[prior]\npath="f.csv"\n[plot]\nx=1\n', "unknown section", "plot"),
        ('[observations]\nunit="ppm"\n[prior]\npath="f.csv"\n', "needs path", "observations.path"),
    ],
)
def test_errors_name_the_key(tmp_path, text, match, column) -> None:
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(InvalidConfig, match=match) as exc:
        load_config(p)
    assert exc.value.column == column


def test_unparsable_and_missing(tmp_path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[observations\n")
    with pytest.raises(InvalidConfig, match="cannot parse"):
        load_config(p)
    with pytest.raises(InvalidConfig, match="not found"):
        load_config(tmp_path / "none.toml")


def test_overrides(tmp_path) -> None:
    cfg = load_config(
        DATA / "example.toml",
        overrides={"inversion": {"backend": "torch"}, "output": {"directory": str(tmp_path)}},
    )
    assert cfg.inversion.backend == "torch" and cfg.output.directory == tmp_path
