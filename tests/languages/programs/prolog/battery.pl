read_ints(Ints) :-
    read_string(user_input, _, S),
    split_string(S, " \n\r\t", " \n\r\t", Parts),
    exclude(==(""), Parts, Tokens),
    maplist(number_string, Ints, Tokens).
take(0, _, []) :- !.
take(N, [X|Xs], [X|Ys]) :- M is N - 1, take(M, Xs, Ys).
spin(K) :- K1 is (K + 1) mod 1000, spin(K1).
main :-
    read_ints([Mode, N | Rest]),
    take(N, Rest, Xs),
    sum_list(Xs, Sum),
    (   Mode =:= 2 -> halt(3)
    ;   Mode =:= 3 -> spin(0)
    ;   Mode =:= 1 -> S is Sum + 1, format("~d~n", [S])
    ;   format("~d~n", [Sum])
    ).
