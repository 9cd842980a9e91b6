"""Strategy templates are looked up by name, so the CLI and config files can name them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signals.errors import ParameterError

__all__ = ["Template", "available", "get", "register"]


@dataclass(frozen=True)
class Template:
    """A registered strategy template: its name, its frozen parameter class and its builder.

    ``plan`` (event-plan templates): ``plan(context, params, table) -> EventPlan | None``, what the
    template makes of a table of aligned events (:class:`strategies.EventPlan`); None where its
    signals depend on the calendar in other ways too. Placebo draws stack such plans.
    """

    name: str
    params_type: Any  # a frozen dataclass with a GRID class variable
    build: Callable[..., Any]
    plan: Callable[..., Any] | None = None

    @property
    def grid(self) -> dict[str, tuple]:
        """The documented parameter grid for sweeps."""
        return dict(self.params_type.GRID)

    @property
    def doc(self) -> str:
        """The first paragraph of the template's docstring."""
        return (self.build.__doc__ or "").strip().split("\n\n")[0]

    def params(self, **values: Any):
        """Validated parameters; unknown names raise :class:`ParameterError`."""
        fields = [field.name for field in dataclasses.fields(self.params_type)]  # not the GRID class variable
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise ParameterError(unknown[0], values[unknown[0]], f"a parameter of {self.name}: {', '.join(fields)}")
        return self.params_type(**values)


_TEMPLATES: dict[str, Template] = {}


def register(name: str, params_type: type, plan: Callable | None = None) -> Callable:
    """Decorator registering ``build(context, params) -> StrategySignals`` under ``name`` (and its
    ``plan``, see :class:`Template`)."""

    def decorate(build: Callable) -> Callable:
        _TEMPLATES[name] = Template(name, params_type, build, plan)
        return build

    return decorate


def get(name: str) -> Template:
    """The template registered as ``name``."""
    try:
        return _TEMPLATES[name]
    except KeyError:
        raise ParameterError("template", name, f"one of {', '.join(available())}") from None


def available() -> list[str]:
    """Names of the registered templates."""
    return sorted(_TEMPLATES)
