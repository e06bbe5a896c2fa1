"""The web package's imports go one way: app assembles the routers; the routers use shared pieces;
shared pieces import neither a router nor the app (there was a circle of four modules)."""

from __future__ import annotations

import ast
from pathlib import Path

import propscan.web

WEB = Path(propscan.web.__file__).parent
ROUTERS = {"api", "pages", "review_api"}  # review_api uses api's OpenAPI helpers (errors(), TechniqueName)


def local_imports(module: str) -> set[str]:
    tree = ast.parse((WEB / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
    return found


def test_imports_go_one_way():
    modules = {p.stem for p in WEB.glob("*.py") if p.stem != "__init__"}
    graph = {m: local_imports(m) & modules for m in modules}
    assert all("app" not in deps for m, deps in graph.items()), graph
    for m in modules - ROUTERS - {"app"}:
        assert not graph[m] & ROUTERS, (m, graph[m])
    assert not graph["api"] & {"pages"} and not graph["pages"] & {"api"}

    def reaches(start: str, target: str, seen=frozenset()) -> bool:
        return any(d == target or (d not in seen and reaches(d, target, seen | {d})) for d in graph[start])

    assert not any(reaches(m, m) for m in modules), graph
