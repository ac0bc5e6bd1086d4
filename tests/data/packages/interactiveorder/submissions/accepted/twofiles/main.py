from helper import next_number

print(next_number(int(input())), flush=True)
