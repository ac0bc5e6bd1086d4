my $x = ;
print $x;
