/* Answers wrong, then keeps writing: killed by SIGPIPE the moment the validator is gone
 * (problemtools' guess_random.cc does so). A broken pipe is not a crash: WA. */
#include <stdio.h>

int main(void) {
    long n;
    if (scanf("%ld", &n) != 1)
        return 1;
    for (;;) {
        printf("%ld\n", n + 2);
        fflush(stdout);
    }
}
