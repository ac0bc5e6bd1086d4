/* Prints forever: must be stopped by the output limit (8 MiB). */
#include <stdio.h>
#include <string.h>

int main(void) {
    char line[4096];
    memset(line, '7', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (;;) fwrite(line, 1, sizeof line, stdout);
}
