<?php
$t = preg_split('/\s+/', trim(stream_get_contents(STDIN)));
$mode = (int)$t[0];
$n = (int)$t[1];
$sum = 0;
for ($i = 0; $i < $n; $i++) $sum += (int)$t[2 + $i];
if ($mode == 2) exit(3);
if ($mode == 3) { $k = 0; while (true) $k = ($k + 1) % 1000; }
if ($mode == 1) $sum++;
echo $sum, "\n";
