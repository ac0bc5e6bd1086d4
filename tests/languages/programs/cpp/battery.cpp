#include <cstdlib>
#include <iostream>
int main() {
    long long mode, n, sum = 0, x;
    std::cin >> mode >> n;
    for (long long i = 0; i < n; i++) { std::cin >> x; sum += x; }
    if (mode == 2) std::exit(3);
    if (mode == 3) { volatile long k = 0; for (;;) k++; }
    std::cout << sum + (mode == 1) << '\n';
}
