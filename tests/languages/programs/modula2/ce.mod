MODULE main;
VAR x: CARDINAL;
BEGIN
   x := 
END main.
