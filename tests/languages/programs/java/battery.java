import java.io.*;
import java.util.*;

public class Battery {
    public static void main(String[] args) throws IOException {
        StreamTokenizer in = new StreamTokenizer(new BufferedReader(new InputStreamReader(System.in)));
        in.nextToken(); long mode = (long) in.nval;
        in.nextToken(); long n = (long) in.nval;
        long sum = 0;
        for (long i = 0; i < n; i++) { in.nextToken(); sum += (long) in.nval; }
        if (mode == 2) System.exit(3);
        if (mode == 3) { long k = 0; while (true) k++; }
        System.out.println(sum + (mode == 1 ? 1 : 0));
    }
}
