"""The CONFIG file of ``dualcarbon invert``: TOML or JSON, checked once into :class:`InversionConfig`.

Relative paths are resolved against the directory of the config file. Every table and key is
listed below with its default; unknown keys are errors (a typo must not silently fall back to a
default). A complete example is ``tests/core/inversion/data/example.toml``::

    [observations]
    path = "observations.csv"     # CSV or NetCDF: time, lon, lat, value, uncertainty, id [, height_m, background]
    unit = "ppm"                  # "ppm", "ppb" or "ug/m3"
    background = 0.0              # subtracted from value, unless the file has a 'background' column
    default_height_m = 10.0       # intake height above ground when the file has no height_m

    [prior]
    path = "facilities.csv"       # facilities CSV/NetCDF (id, lon, lat, emission, uncertainty [, height_m, name])
    kind = "facilities"           # or "grid": NetCDF emission(lat, lon) [, uncertainty(lat, lon)]
    unit = "t/yr"                 # "t/yr", "kg/s" or "g/s"
    relative_uncertainty = 0.5    # grid files without an uncertainty variable
    default_height_m = 0.0        # effective release height when the file has no height_m
    error_scale = 1.0             # multiplies the prior standard deviations

    [met]
    path = "met.csv"              # time, wind_speed_m_s, wind_from_deg, stability [, mixing_height_m]
    max_gap_s = 3600.0            # farthest met record allowed from an observation time

    [forward]
    model = "gaussian_plume"      # or "jacobian": precomputed K in .npy files (rows = observations)
    jacobian = []                 # model = "jacobian": list of .npy files, in observation order
    gas = "CO2"                   # for ppm/ppb <-> ug/m3
    terrain = "rural"             # Briggs "rural" or "urban"
    temperature_k = 298.15        # for ppm/ppb <-> ug/m3
    pressure_pa = 101325.0
    origin = []                   # [lon, lat] of the local plane; default: mean of the sources

    [errors]
    obs_error_scale = 1.0         # multiplies the observation uncertainties
    model_error = 0.0             # transport/representation error (obs unit), added in quadrature

    [inversion]
    gamma = 1.0
    form = "auto"                 # "auto", "state" or "observation"
    backend = "numpy"             # "numpy", "cupy", "torch" or "jax"
    covariance = "full"           # "full" or "diagonal"
    chunk_rows = 0                # 0: automatic (about 128 MiB per block)

    [crosscheck]
    threshold = 3.0               # flag facilities with |z| above this

    [output]
    directory = "inversion-output"
    netcdf = "posterior.nc"       # "" to skip
    csv = "posterior.csv"         # "" to skip
    summary = "summary.json"
    write_covariance = "auto"     # "auto" (when full and n <= 5000), true or false
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dualcarbon.inversion.errors import InvalidConfig

__all__ = ["InversionConfig", "load_config"]


@dataclass(frozen=True)
class ObservationsSection:
    path: Path
    unit: str = "ppm"
    background: float = 0.0
    default_height_m: float = 10.0


@dataclass(frozen=True)
class PriorSection:
    path: Path
    kind: str = "facilities"
    unit: str = "t/yr"
    relative_uncertainty: float | None = None
    default_height_m: float = 0.0
    error_scale: float = 1.0


@dataclass(frozen=True)
class MetSection:
    path: Path | None = None
    max_gap_s: float = 3600.0


@dataclass(frozen=True)
class ForwardSection:
    model: str = "gaussian_plume"
    jacobian: tuple[Path, ...] = ()
    gas: str = "CO2"
    terrain: str = "rural"
    temperature_k: float = 298.15
    pressure_pa: float = 101325.0
    origin: tuple[float, ...] = ()


@dataclass(frozen=True)
class ErrorsSection:
    obs_error_scale: float = 1.0
    model_error: float = 0.0


@dataclass(frozen=True)
class InversionSection:
    gamma: float = 1.0
    form: str = "auto"
    backend: str = "numpy"
    covariance: str = "full"
    chunk_rows: int = 0


@dataclass(frozen=True)
class CrosscheckSection:
    threshold: float = 3.0


@dataclass(frozen=True)
class OutputSection:
    directory: Path = Path("inversion-output")
    netcdf: str = "posterior.nc"
    csv: str = "posterior.csv"
    summary: str = "summary.json"
    write_covariance: Any = "auto"


@dataclass(frozen=True)
class InversionConfig:
    """A checked inversion configuration (see the module docstring for every key)."""

    source: Path
    observations: ObservationsSection
    prior: PriorSection
    met: MetSection = field(default_factory=MetSection)
    forward: ForwardSection = field(default_factory=ForwardSection)
    errors: ErrorsSection = field(default_factory=ErrorsSection)
    inversion: InversionSection = field(default_factory=InversionSection)
    crosscheck: CrosscheckSection = field(default_factory=CrosscheckSection)
    output: OutputSection = field(default_factory=OutputSection)

    def output_path(self, name: str) -> Path | None:
        return (self.output.directory / name) if name else None


_CHOICES = {
    ("observations", "unit"): ("ppm", "ppb", "ug/m3"),
    ("prior", "kind"): ("facilities", "grid"),
    ("prior", "unit"): ("t/yr", "kg/s", "g/s"),
    ("forward", "model"): ("gaussian_plume", "jacobian"),
    ("forward", "terrain"): ("rural", "urban"),
    ("inversion", "form"): ("auto", "state", "observation"),
    ("inversion", "backend"): ("numpy", "cupy", "torch", "jax"),
    ("inversion", "covariance"): ("full", "diagonal"),
}
_POSITIVE = {
    ("prior", "error_scale"),
    ("errors", "obs_error_scale"),
    ("inversion", "gamma"),
    ("crosscheck", "threshold"),
    ("met", "max_gap_s"),
    ("forward", "temperature_k"),
    ("forward", "pressure_pa"),
}


def _section(cls: type, name: str, raw: Any, base: Path, source: str) -> Any:
    if not isinstance(raw, dict):
        raise InvalidConfig(f"[{name}] must be a table", source=source, column=name)
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise InvalidConfig(
            f"unknown key(s) {', '.join(unknown)} in [{name}]; known: {', '.join(known)}",
            source=source,
            column=f"{name}.{unknown[0]}",
        )
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{name}.{key}"
        ftype = str(known[key].type)
        if key in ("path", "directory"):
            value = _resolve(value, base, source, where)
        elif key == "jacobian":
            value = tuple(
                _resolve(v, base, source, where) for v in (value if isinstance(value, list) else [value])
            )
        elif key == "origin":
            if not (isinstance(value, list) and len(value) in (0, 2)):
                raise InvalidConfig("origin must be [lon, lat]", source=source, column=where, value=value)
            value = tuple(float(v) for v in value)
        elif "float" in ftype:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidConfig("must be a number", source=source, column=where, value=value)
            value = float(value)
        elif ftype == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidConfig("must be an integer >= 0", source=source, column=where, value=value)
        elif ftype == "str" and not isinstance(value, str):
            raise InvalidConfig("must be a string", source=source, column=where, value=value)
        if (name, key) in _CHOICES and value not in _CHOICES[(name, key)]:
            raise InvalidConfig(
                f"must be one of {', '.join(map(repr, _CHOICES[(name, key)]))}",
                source=source,
                column=where,
                value=value,
            )
        if (name, key) in _POSITIVE and not value > 0:
            raise InvalidConfig("must be > 0", source=source, column=where, value=value)
        values[key] = value
    try:
        return cls(**values)
    except TypeError:
        missing = [f.name for f in fields(cls) if f.name not in values and f.default is f.default_factory]
        raise InvalidConfig(
            f"[{name}] needs {', '.join(missing)}", source=source, column=f"{name}.{missing[0]}"
        ) from None


def _resolve(value: Any, base: Path, source: str, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise InvalidConfig("must be a non-empty path string", source=source, column=where, value=value)
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


_SECTIONS = {
    "observations": ObservationsSection,
    "prior": PriorSection,
    "met": MetSection,
    "forward": ForwardSection,
    "errors": ErrorsSection,
    "inversion": InversionSection,
    "crosscheck": CrosscheckSection,
    "output": OutputSection,
}


def load_config(path: str | Path, *, overrides: dict[str, dict[str, Any]] | None = None) -> InversionConfig:
    """Read and check a TOML (``.toml``) or JSON (``.json``) inversion configuration.

    ``overrides`` (``{"inversion": {"backend": "torch"}}``) are merged over the file's values
    before checking (the CLI options use this).
    """
    p = Path(path)
    source = str(p)
    if not p.exists():
        raise InvalidConfig("config file not found", source=source)
    try:
        text = p.read_text(encoding="utf-8")
        raw = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidConfig(f"cannot parse: {exc}", source=source) from None
    for section, values in (overrides or {}).items():
        raw.setdefault(section, {}).update(values)
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise InvalidConfig(
            f"unknown section(s) {', '.join(unknown)}; known: {', '.join(_SECTIONS)}",
            source=source,
            column=unknown[0],
        )
    for required in ("observations", "prior"):
        if required not in raw:
            raise InvalidConfig(f"missing section [{required}]", source=source, column=required)
    base = p.resolve().parent
    parts = {
        name: _section(cls, name, raw[name], base, source) for name, cls in _SECTIONS.items() if name in raw
    }
    if "output" not in parts:
        parts["output"] = OutputSection(directory=base / "inversion-output")
    elif not Path(parts["output"].directory).is_absolute():
        parts["output"] = OutputSection(
            **{**parts["output"].__dict__, "directory": base / parts["output"].directory}
        )
    cfg = InversionConfig(source=p, **parts)
    if cfg.forward.model == "gaussian_plume" and cfg.met.path is None:
        raise InvalidConfig("the gaussian_plume model needs [met] path", source=source, column="met.path")
    if cfg.forward.model == "jacobian" and not cfg.forward.jacobian:
        raise InvalidConfig(
            "model = 'jacobian' needs forward.jacobian files", source=source, column="forward.jacobian"
        )
    return cfg
