import sys

import numpy as np

values = np.array(sys.stdin.read().split(), dtype=np.int64)
mode, n = int(values[0]), int(values[1])
total = int(values[2 : 2 + n].sum())
if mode == 2:
    sys.exit(3)
if mode == 3:
    while True:
        pass
print(total + (mode == 1))
