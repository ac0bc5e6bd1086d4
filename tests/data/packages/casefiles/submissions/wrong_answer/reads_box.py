# Looks for the case's files under /box (the program's folder), where they are not.
import os
from pathlib import Path

config = Path("/box/config.txt")
number = config.read_text().strip() if config.exists() else "none"
print(number, "yes" if os.path.exists("/box/extra.txt") else "no")
