"""What the features do without Telegram: gather from repositories, compute with the domain, hand results
to the handlers (`bot/handlers/`), which own every Telegram call. A module here imports no `telegram`,
no `bot.handlers` and no `bot.delivery` (tests/test_import_graph.py checks the layers)."""
