import sys

with open(sys.argv[2]) as answer_file:
    answer = int(answer_file.read())
tokens = sys.stdin.read().split()
feedback = sys.argv[3]
if tokens == [str(answer)]:
    sys.exit(42)
if "partial" in sys.argv[4:] and tokens == [str(answer + 1)]:
    with open(feedback + "score_multiplier.txt", "w") as f:
        f.write("0.5\n")
    sys.exit(42)
with open(feedback + "judgemessage.txt", "w") as f:
    f.write("wrong\n")
sys.exit(43)
