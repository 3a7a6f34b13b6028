"""``python -m fakegram --port 8081``."""

from fakegram.server import main

main()
