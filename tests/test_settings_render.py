"""Settings parsing and the message catalogue (every template and string exists in every locale)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest

from bot.render import MESSAGES_DIR, Renderer, fmt_date, fmt_number, fmt_percent, fmt_time
from bot.settings import SettingsError, load_settings


def test_defaults_and_database_url():
    s = load_settings({})
    assert s.token is None and s.default_locale == "id" and s.default_tz == "Asia/Jakarta"
    assert s.database_path == Path("data/kombel.sqlite3")
    s = load_settings({"DATABASE_URL": "sqlite:///tmp/x.db", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"})
    assert s.database_path == Path("tmp/x.db") and s.api_base_url == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize("env", [
    {"DEFAULT_TIMEZONE": "Mars/Olympus"},
    {"DEFAULT_LANGUAGE": "fr"},
    {"TELEGRAM_API_BASE_URL": "ftp://x"},
    {"DATABASE_URL": "mysql://u@h/db"},
    {"DATABASE_URL": "postgresql://u@h/db", "DB_POOL_SIZE": "0"},
    {"PRINCIPAL_LINK_HOURS": "0"},
    {"CLOCK_START": "2026-11-24 09:00"},
    {"CLOCK_START": "besok pagi"},
])
def test_bad_settings_are_one_line_errors(env):
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert "\n" not in str(err.value)


def test_database_url_chooses_the_backend():
    assert load_settings({}).database_url is None  # SQLite, the default
    assert load_settings({"DATABASE_URL": "sqlite:///x/k.db"}).database_path.as_posix() == "x/k.db"
    pg = load_settings({"DATABASE_URL": "postgresql://u:p@h:5433/db", "DB_POOL_SIZE": "4"})
    assert (pg.database_url, pg.db_pool_size) == ("postgresql://u:p@h:5433/db", 4)
    assert load_settings({"DATABASE_URL": "postgres://u@h/db"}).database_url == "postgres://u@h/db"


def test_clock_start_is_an_aware_instant_and_the_clock_runs_from_it():
    from datetime import UTC, datetime

    from bot.clock import StartedClock

    assert load_settings({}).clock_start is None
    start = load_settings({"CLOCK_START": "2026-11-24T09:00+08:00"}).clock_start
    assert start == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    ticks = iter([100.0, 100.0, 161.5])
    clock = StartedClock(start, monotonic=lambda: next(ticks))
    assert clock.now() == start
    assert clock.ts() == int(start.timestamp()) + 61


def test_token_checks():
    with pytest.raises(SettingsError, match="not set"):
        load_settings({}).require_token()
    with pytest.raises(SettingsError, match="malformed"):
        load_settings({"TELEGRAM_BOT_TOKEN": "hello"}).require_token()
    ok = "123456789:" + "A" * 35
    assert load_settings({"TELEGRAM_BOT_TOKEN": ok}).require_token() == ok


def test_locale_formats():
    assert fmt_date(date(2026, 11, 26), "id") == "Kamis, 26 November 2026"
    assert fmt_date(date(2026, 11, 26), "en") == "Thursday, 26 November 2026"
    assert fmt_number(76.5, "id") == "76,5" and fmt_number(76.5, "en") == "76.5"
    assert fmt_percent(0.765, "id") == "76,5 %" and fmt_percent(0.765, "en") == "76.5%"
    assert fmt_time(time(14, 0), "id") == "14.00"


def test_the_same_instant_shows_each_zone_its_own_clock_and_date():
    # equal aware datetimes in different zones once shared a cache entry: a WITA community saw "15.00" for its
    # 14:00 meeting after a WIT one's, and "31 Desember" for 00:30 on 1 January after a WIB one's 23:30
    wit = datetime(2026, 12, 23, 15, 0, tzinfo=ZoneInfo("Asia/Jayapura"))
    wib = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    for locale in ("id", "en"):
        assert fmt_time(wit, locale)[:2] == "15" and fmt_time(wit.astimezone(ZoneInfo("Asia/Makassar")), locale)[:2] == "14"
        assert fmt_date(wib, locale).endswith("31 Desember 2026" if locale == "id" else "31 December 2026")
        assert fmt_date(wib.astimezone(ZoneInfo("Asia/Makassar")), locale).endswith(
            "1 Januari 2027" if locale == "id" else "1 January 2027")


def _templates(locale: str) -> set[str]:
    root = MESSAGES_DIR / locale
    return {str(p.relative_to(root)) for p in root.rglob("*.j2")}


def test_same_templates_and_strings_in_every_locale():
    assert _templates("id") == _templates("en")
    assert Renderer.ui_keys("id") == Renderer.ui_keys("en")


def test_every_template_compiles_and_autoescapes():
    r = Renderer()
    for loc in ("id", "en"):
        for name in _templates(loc):
            r.html.get_template(f"{loc}/{name}")  # syntax errors fail here
    # user text is escaped
    from storage.models import Community

    c = Community(1, -1, "<b>x</b>", "A & <B>", None, None, "Asia/Makassar", 5, "id", True, True)
    out = r.render("id", "onboarding/welcome_back", community=c)
    assert "A &amp; &lt;B&gt;" in out
    with pytest.raises(jinja2.UndefinedError):
        r.render("id", "onboarding/welcome_back")


def test_ui_strings_with_placeholders_render_as_jinja_would():
    """Most ui strings are filled without Jinja (`{{ name }}` only): the result must be Jinja's, user text
    is not escaped (plain strings), and a missing value is an error as with StrictUndefined."""
    import re

    from bot.render import _ui

    r = Renderer()
    jinja = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    checked = 0
    for locale in ("id", "en"):
        for key, raw in _ui(locale).items():
            if "{" not in raw:
                continue
            ctx: dict[str, object] = {name: f"<{name}> & 7" for name in re.findall(r"\{\{\s*(\w+)", raw)}
            ctx["present"] = True
            assert r.t(locale, key, **ctx) == jinja.from_string(raw).render(locale=locale, **ctx), key
            checked += 1
    assert checked > 40
    assert r.t("id", "sv.new_alert", answer=5) == "✅ Tersimpan: 5"
    with pytest.raises(jinja2.UndefinedError):
        r.t("id", "sv.new_alert")
