use strict;
use warnings;
my @t = split ' ', do { local $/; <STDIN> };
my ($mode, $n) = @t[0, 1];
my $sum = 0;
$sum += $t[$_] for 2 .. $n + 1;
exit 3 if $mode == 2;
if ($mode == 3) { my $k = 0; while (1) { $k = ($k + 1) % 1000 } }
$sum += 1 if $mode == 1;
print "$sum\n";
