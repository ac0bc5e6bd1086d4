program battery;
var mode, n, i, x, total, k: int64;
begin
  read(mode, n);
  total := 0;
  for i := 1 to n do begin read(x); total := total + x end;
  if mode = 2 then halt(3);
  if mode = 3 then begin k := 0; while true do k := (k + 1) mod 1000 end;
  if mode = 1 then total := total + 1;
  writeln(total)
end.
