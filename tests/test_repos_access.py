"""One way to reach a feature's repository (issue 18): `services.repos.<attr>`, not a per-module helper that
only returns it (`store(services)`, `repo(services)`, `repos(services)`, ...)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _is_repos_attr(node: ast.expr) -> bool:
    """`<anything>.repos.<attr>`."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "repos")


def repository_helpers(source: str) -> list[str]:
    """Module-level functions whose whole body (a docstring aside) returns `….repos.<attr>` or a tuple of them."""
    found = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
            continue
        value = body[0].value
        parts = value.elts if isinstance(value, ast.Tuple) else [value]
        if parts and all(_is_repos_attr(p) for p in parts):
            found.append(node.name)
    return found


def test_the_check_sees_a_helper() -> None:
    assert repository_helpers("def store(services):\n    return services.repos.cycle\n") == ["store"]
    assert repository_helpers("def repos(s):\n    '''Both.'''\n    return s.repos.a, s.repos.b\n") == ["repos"]
    assert repository_helpers("def f(services):\n    return services.repos\n") == []
    assert repository_helpers("async def f(services):\n    x = 1\n    return services.repos.cycle\n") == []


def test_no_module_wraps_a_repository_in_a_helper() -> None:
    helpers = {
        f"{path.relative_to(ROOT).as_posix()}:{name}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for name in repository_helpers(path.read_text(encoding="utf-8"))
    }
    assert not helpers, f"read services.repos.<attr> at the call site instead of: {', '.join(sorted(helpers))}"
