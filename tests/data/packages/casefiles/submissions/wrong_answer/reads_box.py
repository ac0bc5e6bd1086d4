# Looks for the case's files under /box (the program's folder), where they are not.
import os

path = "/box/config.txt"
number = open(path).read().strip() if os.path.exists(path) else "none"
print(number, "yes" if os.path.exists("/box/extra.txt") else "no")
