"""Who imports whom (CONTRIBUTING.md): api -> services -> models; tasks -> services; nothing imports api or
tasks from below; an area of services/ uses another only through that area's package __init__."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import trackbase

PACKAGE = Path(trackbase.__file__).parent
AREAS = sorted(p.name for p in (PACKAGE / "services").iterdir() if (p / "__init__.py").exists())


def imports_of(path: Path) -> list[str]:
    """Every module a file imports, as an absolute dotted name (`from . import x` gives package.x)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.removesuffix(".__init__")
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append(base)
            found.extend(f"{base}.{alias.name}" for alias in node.names)
    return found


def files_under(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", ["services", "api"])
def test_services_and_resources_never_import_tasks(folder):
    for path in files_under(folder):
        bad = [name for name in imports_of(path) if name.startswith("trackbase.tasks")]
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


@pytest.mark.parametrize("folder", ["services", "models"])
def test_services_and_models_never_import_the_api(folder):
    for path in files_under(folder):
        bad = [name for name in imports_of(path) if name.startswith("trackbase.api")]
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_an_area_uses_another_only_through_its_package():
    assert {"tracking", "inventory", "products"} <= set(AREAS)
    for area in AREAS:
        for path in files_under(f"services/{area}"):
            for name in imports_of(path):
                for other in AREAS:
                    if other != area and name.startswith(f"trackbase.services.{other}."):
                        inner = name.removeprefix(f"trackbase.services.{other}.")
                        # `from .. import products` names the package itself; anything deeper is a module behind it
                        assert inner in _public_names(other), (
                            f"{path.relative_to(PACKAGE)} reaches into services/{other}: {name}"
                        )


def _public_names(area: str) -> set[str]:
    import importlib

    return set(getattr(importlib.import_module(f"trackbase.services.{area}"), "__all__", ()))
