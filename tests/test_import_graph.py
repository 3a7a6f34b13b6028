"""The project's modules import one another without a cycle (issue 18).

Every import of a project module is an edge, wherever it is written: at module level, inside a function,
or under `if TYPE_CHECKING:` — an import moved into a function or behind TYPE_CHECKING still ties the
two modules together, it only hides the knot from Python. `from pkg import name` is an edge to
`pkg.name` when that is a module, else to `pkg`. Importing `a.b.c` is not counted as importing `a.b`'s
`__init__` (packages here only re-export or assemble).

Imports inside functions are allowed only for a reason other than a cycle (a heavy optional
dependency loaded late); those of project modules are listed in `LAZY_ALLOWED` with the reason.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "domain", "storage", "fakegram", "messages")

# (importing module, imported module) -> why the import is inside a function: never to dodge a cycle.
LAZY_ALLOWED: dict[tuple[str, str], str] = {
    ("storage.backends", "storage.pg"): "psycopg is an optional dependency (extra `postgres`): loaded only for a"
    " postgresql:// URL",
    ("bot.chartpool", "domain.reports.charts"): "matplotlib is loaded in the chart worker process, not in the bot's",
    **{("bot.cli", target): "a subcommand loads only what it runs (`kombel-bot backup` needs no PTB)"
       for target in ("bot.app", "bot.polling", "bot.demo", "bot.web", "storage.db", "storage.backends",
                      "storage.backup")},
}


def project_modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            mods[".".join(parts)] = path
    return mods


def _resolve(node: ast.ImportFrom, module: str, is_pkg: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(node: ast.AST, module: str, is_pkg: bool, mods: dict[str, Path]) -> list[str]:
    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    out: list[str] = []
    if isinstance(node, ast.Import):
        out = [known(a.name) for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        src = _resolve(node, module, is_pkg)
        for a in node.names:
            full = f"{src}.{a.name}"
            out.append(full if full in mods else known(src))
    return [t for t in out if t and t != module]


def _imports(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement under `node` (module level, in a function, under `if TYPE_CHECKING:`), and
    whether it is inside a function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, in_function
        yield from _imports(child, in_function or isinstance(
            child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))


def scan() -> tuple[dict[str, set[str]], set[tuple[str, str, int]]]:
    """Edges of the import graph, and the imports of project modules written inside a function."""
    mods = project_modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    lazy: set[tuple[str, str, int]] = set()
    for module, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, in_function in _imports(tree):
            for target in _targets(node, module, path.name == "__init__.py", mods):
                graph[module].add(target)
                if in_function:
                    lazy.add((module, target, node.lineno))
    return graph, lazy


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as one cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    comps: list[list[str]] = []
    counter = 0

    def strong(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return [_one_cycle(graph, comp) for comp in comps]


def _one_cycle(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside the component."""
    start, members = comp[0], set(comp)
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, v, start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp


def test_no_import_cycle():
    graph, _ = scan()
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_function_level_import_of_a_project_module_without_a_reason():
    _, lazy = scan()
    hidden = [f"{m} (line {line}) imports {t}" for m, t, line in sorted(lazy) if (m, t) not in LAZY_ALLOWED]
    assert not hidden, "imports inside functions:\n" + "\n".join(hidden)


def layer(module: str) -> str:
    """The layers of docs/architecture.md: handlers, usecases, kernel (the rest of `bot`), storage, domain."""
    if module.startswith(("bot.handlers", "bot.usecases")):
        return module.split(".")[1]
    return "kernel" if module.startswith("bot") else module.split(".")[0]


# What each layer may import (besides itself). Nothing imports a layer above it.
ALLOWED = {
    "handlers": {"usecases", "kernel", "storage", "domain"},
    "usecases": {"kernel", "storage", "domain"},
    "kernel": {"storage", "domain", "messages", "fakegram"},
    "storage": {"domain"},
    "domain": set(),
    "fakegram": set(),
    "messages": set(),
}
# Known exceptions, each with its reason.
LAYER_EXCEPTIONS = {
    ("bot.app", "bot.handlers"): "the assembly registers every feature",
}


def test_layers_import_downwards_only():
    graph, _ = scan()
    wrong = [f"{m} ({layer(m)}) imports {t} ({layer(t)})" for m in sorted(graph) for t in sorted(graph[m])
             if layer(t) != layer(m) and layer(t) not in ALLOWED[layer(m)] and (m, t) not in LAYER_EXCEPTIONS]
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def _third_party(path: Path) -> set[str]:
    names: set[str] = set()
    for node, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_one_reader_of_messages_and_no_telegram_below_the_handlers():
    """bot/render.py alone reads messages/ (the domain is handed its texts); Telegram stays in the kernel and
    the handlers."""
    mods = project_modules()
    readers = sorted(m for m, path in mods.items() if "messages" in _third_party(path) and layer(m) != "messages")
    assert readers == ["bot.render"]
    for m, path in mods.items():
        used = _third_party(path)
        if layer(m) in ("domain", "storage", "usecases"):
            assert not used & {"telegram", "tomllib", "messages"}, f"{m} imports {sorted(used)}"


def test_the_walk_sees_cycles_and_hidden_imports():
    """The checker itself: a cycle closed by a function-level or TYPE_CHECKING import is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
    mods = {"p.x": Path("x.py"), "p.y": Path("y.py"), "p": Path("__init__.py")}
    tree = ast.parse("if TYPE_CHECKING:\n    from . import y\nasync def f():\n    from p.y import thing\n")
    found = [(t, lazy) for node, lazy in _imports(tree) for t in _targets(node, "p.x", False, mods)]
    assert found == [("p.y", False), ("p.y", True)]
