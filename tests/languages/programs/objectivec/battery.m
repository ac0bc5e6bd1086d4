#import <objc/runtime.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((objc_root_class))
@interface Summer
+ (long)add:(long)x to:(long)total;
@end

@implementation Summer
+ (long)add:(long)x to:(long)total { return total + x; }
@end

int main(void) {
    long mode, n, x, total = 0;
    if (scanf("%ld %ld", &mode, &n) != 2) return 1;
    for (long i = 0; i < n; i++) {
        if (scanf("%ld", &x) != 1) return 1;
        total = [Summer add:x to:total];
    }
    if (mode == 2) exit(3);
    if (mode == 3) { volatile long k = 0; for (;;) k++; }
    printf("%ld\n", total + (mode == 1));
    return 0;
}
