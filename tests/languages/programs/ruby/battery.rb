t = $stdin.read.split.map(&:to_i)
mode, n = t[0], t[1]
sum = t[2, n].sum
exit 3 if mode == 2
if mode == 3
  k = 0
  loop { k = (k + 1) % 1000 }
end
sum += 1 if mode == 1
puts sum
