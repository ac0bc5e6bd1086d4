using System;
using System.Linq;
class Battery {
    static void Main() {
        var t = Console.In.ReadToEnd().Split((char[])null, StringSplitOptions.RemoveEmptyEntries)
            .Select(long.Parse).ToArray();
        long mode = t[0], n = t[1], sum = 0;
        for (long i = 0; i < n; i++) sum += t[2 + i];
        if (mode == 2) Environment.Exit(3);
        if (mode == 3) { long k = 0; while (true) k++; }
        Console.WriteLine(sum + (mode == 1 ? 1 : 0));
    }
}
