// Allocates 1 GiB and writes to every page, so the memory is really used (limit: 256 MiB).
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main() {
    const size_t size = 1024UL * 1024 * 1024;
    char *block = static_cast<char *>(std::malloc(size));
    if (block == nullptr) return 3;
    for (size_t i = 0; i < size; i += 4096) block[i] = static_cast<char>(i);
    std::printf("%d\n", block[size - 4096]);
    return 0;
}
