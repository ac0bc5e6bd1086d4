import std.stdio, std.conv, std.array, std.algorithm, core.stdc.stdlib;
void main() {
    auto t = stdin.byLineCopy.map!(l => l.split).joiner.map!(to!long).array;
    long mode = t[0], n = t[1];
    long sum = t[2 .. 2 + n].sum;
    if (mode == 2) exit(3);
    if (mode == 3) { long k = 0; while (true) { k = (k + 1) % 1000; if (k == -1) writeln(k); } }
    writeln(sum + (mode == 1 ? 1 : 0));
}
