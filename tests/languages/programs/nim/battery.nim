import strutils
let tokens = stdin.readAll().splitWhitespace()
let mode = parseInt(tokens[0])
let n = parseInt(tokens[1])
var total = 0
for i in 0 ..< n: total += parseInt(tokens[2 + i])
if mode == 2: quit(3)
if mode == 3:
  var k = 0
  while true: k = (k + 1) mod 1000
if mode == 1: total += 1
echo total
