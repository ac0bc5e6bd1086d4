program broken;
begin
  writeln(x
end.
