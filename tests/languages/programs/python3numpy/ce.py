import numpy as np
print(np.zeros(3)
