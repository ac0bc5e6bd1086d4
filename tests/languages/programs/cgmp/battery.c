#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    long mode, n, x;
    mpz_t sum; mpz_init(sum);
    if (scanf("%ld %ld", &mode, &n) != 2) return 1;
    for (long i = 0; i < n; i++) { if (scanf("%ld", &x) != 1) return 1; mpz_add_ui(sum, sum, x); }
    if (mode == 2) exit(3);
    if (mode == 3) { volatile long k = 0; for (;;) k++; }
    if (mode == 1) mpz_add_ui(sum, sum, 1);
    gmp_printf("%Zd\n", sum);
    return 0;
}
