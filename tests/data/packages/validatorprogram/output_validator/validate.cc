#include <iostream>
#include "validate.h"

int main(int argc, char **argv) {
    long expected = read_answer(argv[2]), got;
    if (!(std::cin >> got) || got != expected) return 43;
    std::string extra;
    if (std::cin >> extra) return 43;
    return 42;
}
