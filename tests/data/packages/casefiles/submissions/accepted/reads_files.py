import os

number = open("config.txt").read().strip() if os.path.exists("config.txt") else "none"
print(number, "yes" if os.path.exists("extra.txt") else "no")
