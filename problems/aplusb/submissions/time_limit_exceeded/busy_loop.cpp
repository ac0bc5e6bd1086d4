// Spins forever: must be stopped by the CPU time limit.
int main() {
    volatile unsigned long long counter = 0;
    for (;;) counter = counter + 1;
}
