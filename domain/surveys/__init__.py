"""Surveys' pure code: definitions, parsing from text, closing times, statistics, anonymity (disclosure), pre/post, formatting."""
