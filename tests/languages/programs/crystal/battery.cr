t = STDIN.gets_to_end.split.map(&.to_i64)
mode = t[0]
n = t[1].to_i
sum = t[2, n].sum
exit 3 if mode == 2
if mode == 3
  k = 0_i64
  loop { k = (k + 1) % 1000 }
end
sum += 1 if mode == 1
puts sum
