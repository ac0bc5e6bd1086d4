procedure Main is
begin
   X := 1
end Main;
