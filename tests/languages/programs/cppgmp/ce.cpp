#include <gmpxx.h>
int main() { mpz_class x = 1 return 0; }
