package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	var mode, n, x, sum int64
	fmt.Fscan(in, &mode, &n)
	for i := int64(0); i < n; i++ {
		fmt.Fscan(in, &x)
		sum += x
	}
	if mode == 2 {
		os.Exit(3)
	}
	if mode == 3 {
		k := 0
		for {
			k++
		}
	}
	if mode == 1 {
		sum++
	}
	fmt.Println(sum)
}
