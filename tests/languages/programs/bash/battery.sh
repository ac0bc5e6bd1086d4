read -r mode
read -r n
sum=0
while read -r x; do sum=$((sum + x)); done
if [ "$mode" = 2 ]; then exit 3; fi
if [ "$mode" = 3 ]; then while :; do :; done; fi
if [ "$mode" = 1 ]; then sum=$((sum + 1)); fi
echo "$sum"
