#import <objc/Object.h>
#include <stdio.h>
#include <stdlib.h>

@interface Summer : Object { long total; }
- (void)add:(long)x;
- (long)total;
@end

@implementation Summer
- (void)add:(long)x { total += x; }
- (long)total { return total; }
@end

int main(void) {
    long mode, n, x;
    Summer *s = [Summer alloc];
    if (scanf("%ld %ld", &mode, &n) != 2) return 1;
    for (long i = 0; i < n; i++) { if (scanf("%ld", &x) != 1) return 1; [s add:x]; }
    if (mode == 2) exit(3);
    if (mode == 3) { volatile long k = 0; for (;;) k++; }
    printf("%ld\n", [s total] + (mode == 1));
    return 0;
}
