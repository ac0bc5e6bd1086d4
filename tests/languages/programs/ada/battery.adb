with Ada.Text_IO; use Ada.Text_IO;
with Ada.Long_Integer_Text_IO; use Ada.Long_Integer_Text_IO;
with Ada.Command_Line;
procedure Main is
   Mode, N, X, Sum, K : Long_Integer := 0;
begin
   Get (Mode);
   Get (N);
   for I in 1 .. N loop
      Get (X);
      Sum := Sum + X;
   end loop;
   if Mode = 2 then
      Ada.Command_Line.Set_Exit_Status (3);
      return;
   end if;
   if Mode = 3 then
      loop
         K := (K + 1) mod 1000;
      end loop;
   end if;
   if Mode = 1 then
      Sum := Sum + 1;
   end if;
   Put (Sum, Width => 0);
   New_Line;
end Main;
