#pragma once
#include <fstream>

inline long read_answer(const char *path) {
    std::ifstream in(path);
    long value = 0;
    in >> value;
    return value;
}
