"""The inquiry cycle's pure code: stages and questions (core), answer parsing (ops), RTL, STAR, the synthesis."""
