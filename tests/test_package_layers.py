"""Data flows one way (corpus → parsing → indexing → retrieval → answer → app/CLI): no package of
kb_assistant imports, directly or through others, a package that imports it back."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from kb_assistant.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "kb_assistant"


def package_imports() -> dict[str, dict[str, set[str]]]:
    """package → imported package → the files importing it (relative imports resolved)."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        source = parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")
        here = ["kb_assistant", *parts[:-1]]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                modules = [".".join([*base, node.module] if node.module else base)]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                target = module.split(".")[1] if module.startswith("kb_assistant.") else None
                if target and target != source:
                    edges[source][target].add(path.name)
    return edges


def cycles(edges: dict[str, dict[str, set[str]]]) -> list[str]:
    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, {}))
        return False

    return [f"{a} -> {b} ({', '.join(sorted(files))})" for a in sorted(edges) for b, files in sorted(edges[a].items()) if reaches(b, a)]


def test_no_package_imports_back_a_package_that_imports_it():
    edges = package_imports()
    assert "indexing" in edges["retrieval"] and "retrieval" in edges["answer"]  # the checker sees imports
    assert cycles(edges) == []


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b": {"x.py"}}, "b": {"c": {"y.py"}}, "c": {"a": {"z.py"}}}) == [
        "a -> b (x.py)", "b -> c (y.py)", "c -> a (z.py)"]
