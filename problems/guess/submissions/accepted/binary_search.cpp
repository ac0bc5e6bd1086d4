#include <iostream>
#include <string>

int main() {
    long long low = 1, high = 1000000000;
    std::string answer;
    while (true) {
        long long guess = (low + high) / 2;
        std::cout << guess << std::endl;  // endl flushes
        if (!(std::cin >> answer) || answer == "correct") break;
        if (answer == "lower") high = guess - 1;
        else low = guess + 1;
    }
    return 0;
}
