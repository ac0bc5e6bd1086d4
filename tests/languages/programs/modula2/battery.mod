MODULE main;
FROM StrIO IMPORT WriteLn;
FROM NumberIO IMPORT ReadCard, WriteCard;
FROM libc IMPORT exit;
VAR mode, n, i, x, sum, k: CARDINAL;
BEGIN
   ReadCard(mode);
   ReadCard(n);
   sum := 0;
   FOR i := 1 TO n DO
      ReadCard(x);
      sum := sum + x
   END;
   IF mode = 2 THEN exit(3) END;
   IF mode = 3 THEN
      k := 0;
      LOOP k := (k + 1) MOD 1000 END
   END;
   IF mode = 1 THEN sum := sum + 1 END;
   WriteCard(sum, 0);
   WriteLn
END main.
