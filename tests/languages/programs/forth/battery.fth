create buf 64 allot
: read-number ( -- n )  buf 64 stdin read-line throw drop buf swap s>number? 2drop ;
: spin  0 begin 1+ 1000 mod again ;
: main
  read-number read-number  ( mode n )
  0 swap 0 ?do read-number + loop  ( mode sum )
  over 2 = if 3 (bye) then
  over 3 = if spin then
  over 1 = if 1+ then
  0 .r cr drop ;
main
