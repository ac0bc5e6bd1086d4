/* Answers wrong, then waits for more and crashes on the EOF that the validator's exit
 * brings: both end within a millisecond. The validator ended first: WA, every time. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    long n, more;
    if (scanf("%ld", &n) != 1)
        return 1;
    printf("%ld\n", n + 2);
    fflush(stdout);
    if (scanf("%ld", &more) != 1)
        abort();
    return 0;
}
