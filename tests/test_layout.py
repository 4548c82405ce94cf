"""The packages follow the two paths, and their imports point down them: text/ imports no
other package, index/ only text/, ingest/ and search/ neither each other nor web/, and only
the command line imports web/ (`search_service/__init__.py` draws the flow)."""

import ast
import importlib
import re
from pathlib import Path

import search_service

PACKAGE = Path(search_service.__file__).parent
# What each part may import, besides itself, `errors` and `caching` (shared by all).
MAY_IMPORT = {
    "text": set(),
    "sources": {"text"},
    "index": {"text"},
    "ingest": {"text", "sources", "index"},
    "search": {"text", "index"},
    "web": {"text", "sources", "index", "ingest", "search"},
    "cli": {"text", "sources", "index", "ingest", "search", "web"},
    "__main__": {"cli"},
    "errors": set(),
    "caching": set(),
    # The shims at the old paths of pickled classes.
    "analysis": {"index"},
    "schema": {"index"},
    "codec": {"index"},
    "article": {"ingest"},
}


def _part(module: str) -> str:
    """`search_service.index.store` -> `index`."""
    return module.split(".")[1]


def _imports(path: Path) -> set[str]:
    """The modules of this package that `path` imports at run time (not for types only)."""
    # The package relative imports start from (an `__init__`'s own package).
    package = list(path.relative_to(PACKAGE.parent).parts[:-1])
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            names = [f"{target}.{alias.name}" for alias in node.names]
            found |= {n for n in [target, *names] if n.startswith("search_service.")}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("search_service.")}
    return found


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def test_every_module_belongs_to_a_known_part():
    parts = {_part(_module(path)) for path in PACKAGE.rglob("*.py")}
    assert parts == set(MAY_IMPORT) | {"__init__"}


def test_imports_point_down_the_flow():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _part(_module(path))
        if source == "__init__":
            continue
        allowed = MAY_IMPORT[source] | {source, "errors", "caching"}
        for imported in sorted(_imports(path)):
            if _part(imported) not in allowed:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {imported}")
    assert wrong == []


def test_the_module_maps_name_every_module_and_package():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    readme_map = readme.split("## How it works", 1)[1].split("```")[1]
    for path in PACKAGE.rglob("*.py"):
        folder = path.parent
        name = f"{folder.name}/" if path.name == "__init__.py" else path.stem
        if folder == PACKAGE and path.name == "__init__.py":
            continue
        maps = [readme_map, search_service.__doc__]
        if folder != PACKAGE and path.name != "__init__.py":
            maps.append(importlib.import_module(f"search_service.{folder.name}").__doc__)
        # A module begins a line of the map; `__main__` is named on the line of `cli`.
        named = rf"(?m)^ *{re.escape(name)}[ ,:]" if name != "__main__" else "`__main__`"
        for where, text in zip(("README", "search_service", folder.name), maps, strict=False):
            assert re.search(named, text), (name, where)
