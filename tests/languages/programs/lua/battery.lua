local mode = io.read("n")
local n = io.read("n")
local sum = 0
for _ = 1, n do sum = sum + io.read("n") end
if mode == 2 then os.exit(3) end
if mode == 3 then local k = 0 while true do k = (k + 1) % 1000 end end
if mode == 1 then sum = sum + 1 end
print(string.format("%d", sum))
