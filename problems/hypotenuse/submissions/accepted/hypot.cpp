#include <cmath>
#include <cstdio>

int main() {
    double a, b;
    if (std::scanf("%lf %lf", &a, &b) != 2) return 1;
    std::printf("%.9f\n", std::sqrt(a * a + b * b));
    return 0;
}
