program battery
  implicit none
  integer(8) :: mode, n, x, total, i, k
  read (*, *) mode
  read (*, *) n
  total = 0
  do i = 1, n
    read (*, *) x
    total = total + x
  end do
  if (mode == 2) call exit(3)
  if (mode == 3) then
    k = 0
    do
      k = mod(k + 1, 1000_8)
      if (k < 0) print *, k
    end do
  end if
  if (mode == 1) total = total + 1
  write (*, '(I0)') total
end program battery
