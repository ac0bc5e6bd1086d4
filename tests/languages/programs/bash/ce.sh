if [ 1 = 1 ]; then
  echo missing fi
