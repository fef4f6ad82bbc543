"""The house stands in layers: core at the ground, then reports, the archive (customers), finance, parts,
service, sales and customer care on top. A module imports only from its own app and the apps below it, so
a lower module never depends on a higher one (tests and demo data may read any app)."""

import ast
import pathlib

import pytest
from django.conf import settings

ROOT = pathlib.Path(settings.BASE_DIR) / "fours"
LAYERS = [a.split(".")[1] for a in settings.INSTALLED_APPS if a.startswith("fours.")]


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _checked(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        rel = path.relative_to(ROOT / app)
        if rel.parts[0] in ("tests", "migrations") or rel.name.startswith("demo"):
            continue
        yield path


def test_the_layers_are_the_installed_apps_in_order():
    assert LAYERS[:2] == ["core", "reports"]
    assert LAYERS.index("customers") < LAYERS.index("finance") < LAYERS.index("parts")
    assert LAYERS.index("parts") < LAYERS.index("service") < LAYERS.index("sales") < LAYERS.index("crm")


@pytest.mark.parametrize("app", LAYERS)
def test_no_import_runs_back_up(app):
    mine = LAYERS.index(app)
    wrong = []
    for path in _checked(app):
        for line, module in _imports(path):
            parts = module.split(".")
            if (
                parts[0] == "fours"
                and len(parts) > 1
                and parts[1] in LAYERS
                and LAYERS.index(parts[1]) > mine
            ):
                wrong.append(f"{path.relative_to(ROOT.parent)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)
