"""The whole suite runs on both engines (issue 16): a test that opens a database of its own on a SQLite
path is left out of the PostgreSQL run without anyone noticing (tests/conftest.py selects the tests that
take `db_target`). Each top-level function in tests/ (test, fixture or helper) that builds the bot or a
database on a literal `….sqlite3` path, or the crash harness without `database=`, must take `db_target` or
`pg_database` (and so run on both), be marked `sqlite_only("why")`, or be listed below with the reason it
opens no database. A heuristic: it reads the source, it does not follow variables."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BUILDERS = {"Sim", "HookSim", "Database", "make_database", "Harness", "build_world"}
NO_DATABASE = {
    ("test_fuzz.py", "_command_names"): "builds the application to read its command table; opens no database",
    ("test_e2e_webhook.py", "test_webhook_set_info_delete_for_operators"): "only the HookSim's fake Bot API is used",
}


def _is_sqlite_only(decorators: list[ast.expr]) -> bool:
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "sqlite_only"
               for d in decorators)


def _own_sqlite(fn: ast.AST) -> list[str]:
    """The calls in `fn` that build the bot or a database on SQLite of their own."""
    found = []
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name not in BUILDERS:
            continue
        literal = any(isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.endswith(".sqlite3")
                      for arg in [*node.args, *(k.value for k in node.keywords)] for n in ast.walk(arg))
        if literal or (name == "Harness" and "database" not in {k.arg for k in node.keywords}):
            found.append(f"{name}(…) line {node.lineno}")
    return found


def uncovered(source: str, filename: str) -> list[str]:
    tree = ast.parse(source)
    module_only = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
                      and "sqlite_only" in ast.unparse(n.value) for n in tree.body)
    out = []
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or module_only:
            continue
        params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        if params & {"db_target", "pg_database"} or _is_sqlite_only(fn.decorator_list) or (filename, fn.name) in NO_DATABASE:
            continue
        out += [f"{filename}::{fn.name}: {call}" for call in _own_sqlite(fn)]
    return out


def test_every_test_with_a_database_of_its_own_runs_on_both_or_says_why_not():
    found = [u for path in sorted(TESTS.rglob("*.py")) if path.name != Path(__file__).name
             for u in uncovered(path.read_text(), path.name)]
    assert found == [], "use the db_target fixture, or mark sqlite_only(\"why\"):\n" + "\n".join(found)


def test_the_check_finds_a_test_on_its_own_sqlite_file():
    bad = '''
async def test_x(tmp_path):
    async with Sim(tmp_path / "k.sqlite3") as sim:
        pass

async def test_y(tmp_path):
    report = await Harness(tmp_path, seed=1).run(3)
'''
    good = '''
@pytest.mark.sqlite_only("its -wal file")
async def test_x(tmp_path):
    db = await Database(tmp_path / "k.sqlite3").open()

async def test_y(db_target):
    db = await make_database(db_target).open()
'''
    assert uncovered(bad, "t.py") == ["t.py::test_x: Sim(…) line 3", "t.py::test_y: Harness(…) line 7"]
    assert uncovered(good, "t.py") == []
    assert uncovered('pytestmark = pytest.mark.sqlite_only("x")\n' + bad, "t.py") == []
