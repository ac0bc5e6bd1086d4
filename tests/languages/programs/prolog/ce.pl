main :- write(hello
