"""The seams between features (issue 18): every feature repository is reached through `Repos`, and every
feature that gives others something registers a typed feed in `Services.feeds` — nothing by name."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import fields

import storage
from bot import feeds as feeds_module
from bot.feeds import Feeds
from storage.backends import make_database
from storage.db import Database
from storage.repos import Repos


def repository_classes() -> list[type]:
    """Every class in `storage/` that is built from the database alone (`__init__(self, db)`)."""
    found = []
    for mod in pkgutil.iter_modules(storage.__path__):
        module = importlib.import_module(f"storage.{mod.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or cls in (Database, Repos):
                continue
            params = list(inspect.signature(cls.__init__).parameters)
            if params == ["self", "db"]:
                found.append(cls)
    return found


def reachable(root: object, depth: int = 2) -> set[type]:
    """The types of the objects reachable from `root` through attributes, `depth` levels down."""
    out: set[type] = set()
    level = [root]
    for _ in range(depth):
        nxt = []
        for obj in level:
            for value in vars(obj).values() if hasattr(obj, "__dict__") else (
                    getattr(obj, f.name) for f in fields(obj)):
                if type(value).__module__.startswith("storage."):
                    out.add(type(value))
                    nxt.append(value)
        level = nxt
    return out


async def test_every_feature_repository_is_an_attribute_of_repos(db_target):
    db = await make_database(db_target).open()
    try:
        repos = Repos(db)
        classes = repository_classes()
        assert len(classes) >= 20, classes  # the walk finds them (foundation + features)
        missing = sorted(c.__qualname__ for c in classes if c not in reachable(repos))
        assert missing == [], f"repositories not reachable from Repos: {missing}"
    finally:
        await db.close()


async def test_every_feature_registers_its_typed_feed(sim):
    got = sim.services.feeds
    assert isinstance(got, Feeds) and not hasattr(sim.services, "hooks")
    bases = {"rhythm": feeds_module.RhythmFeed, "cycle": feeds_module.CycleFeed,
             "surveys": feeds_module.SurveysFeed, "groups": feeds_module.GroupsFeed,
             "observe": feeds_module.ObserveFeed, "journal": feeds_module.JournalFeed,
             "programme": feeds_module.ProgrammeFeed, "map": feeds_module.MapFeed}
    for f in fields(Feeds):
        value = getattr(got, f.name)
        assert value is not None, f"feed {f.name} not registered by its feature"
        if f.name in bases:
            assert isinstance(value, bases[f.name]), f.name
    assert {name for name, _ in got.sheet_sources()} == {"rhythm", "cycle", "programme", "journal", "observe"}
    assert len(got.activity_sources()) == 3
