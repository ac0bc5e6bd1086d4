#include <gmpxx.h>
#include <cstdlib>
#include <iostream>
int main() {
    long mode, n, x;
    mpz_class sum = 0;
    std::cin >> mode >> n;
    for (long i = 0; i < n; i++) { std::cin >> x; sum += x; }
    if (mode == 2) std::exit(3);
    if (mode == 3) { volatile long k = 0; for (;;) k++; }
    if (mode == 1) sum += 1;
    std::cout << sum << '\n';
}
