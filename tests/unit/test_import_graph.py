"""The arrows between suishoupai's parts point one way: no two first-level packages or modules of
suishoupai (auth, org, reports, points, web, limits, …) import each other, directly or round a loop."""

from pathlib import Path

import grimp

import suishoupai


def _graph() -> grimp.ImportGraph:
    """The import graph of the package under test (not cached: the tree changes between runs)."""
    return grimp.build_graph("suishoupai", cache_dir=None)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one part (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        """Number a node, follow its arrows, close a group at its root."""
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _lines(graph: grimp.ImportGraph, group: list[str]) -> list[str]:
    """The import lines that make a group's arrows, for the failure message."""
    modules = {part: {f"suishoupai.{part}", *graph.find_descendants(f"suishoupai.{part}")} for part in group}
    lines = []
    for importer in group:
        for module in sorted(modules[importer]):
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                if any(imported in modules[other] for other in group if other != importer):
                    lines += [f"{module}:{d['line_number']} {d['line_contents']}"
                              for d in graph.get_import_details(importer=module, imported=imported)]
    return lines


def test_the_graph_is_of_the_code_under_test():
    """grimp reads the tree the tests import (not another checkout): the same modules, file for file."""
    root = Path(suishoupai.__file__).parent
    files = {".".join(("suishoupai", *p.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
             for p in root.rglob("*.py") if (p.parent / "__init__.py").exists()}
    assert _graph().modules == files


def test_no_import_cycle_between_packages():
    """Each first-level part of suishoupai reaches the others without ever coming back to itself."""
    graph = _graph()
    parts = sorted(child.rsplit(".", 1)[1] for child in graph.find_children("suishoupai"))
    edges = {a: {b for b in parts if b != a and graph.direct_import_exists(
        importer=f"suishoupai.{a}", imported=f"suishoupai.{b}", as_packages=True)} for a in parts}
    assert {"auth", "org", "reports", "points", "wishes", "web"} <= set(parts)
    assert "org" in edges["reports"] and "auth" in edges["org"]  # the graph is really read
    cycles = _cycles(edges)
    assert not cycles, "\n".join(f"{' <-> '.join(group)}:\n  " + "\n  ".join(_lines(graph, group))
                                 for group in cycles)


def test_cycles_are_found():
    """The cycle finder sees a loop round three parts and none in a chain."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
