#include <stdio.h>
#include <stdlib.h>
int main(void) {
    long mode, n, sum = 0, x;
    if (scanf("%ld %ld", &mode, &n) != 2) return 1;
    for (long i = 0; i < n; i++) { if (scanf("%ld", &x) != 1) return 1; sum += x; }
    if (mode == 2) exit(3);
    if (mode == 3) { volatile long k = 0; for (;;) k++; }
    printf("%ld\n", sum + (mode == 1));
    return 0;
}
