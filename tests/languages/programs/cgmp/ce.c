#include <gmp.h>
int main(void) { mpz_t x; mpz_init(x) return 0; }
