import os
from pathlib import Path

config = Path("config.txt")
number = config.read_text().strip() if config.exists() else "none"
print(number, "yes" if os.path.exists("extra.txt") else "no")
