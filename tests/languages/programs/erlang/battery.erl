-module(main).
-export([main/0]).

spin(K) -> spin((K + 1) rem 1000).

main() ->
    {ok, Data} = read_all([]),
    [Mode, N | Rest] = [list_to_integer(T) || T <- string:lexemes(Data, " \n\r\t")],
    Sum = lists:sum(lists:sublist(Rest, N)),
    case Mode of
        2 -> halt(3);
        3 -> spin(0);
        1 -> io:format("~B~n", [Sum + 1]);
        _ -> io:format("~B~n", [Sum])
    end.

read_all(Acc) ->
    case io:get_chars(standard_io, '', 65536) of
        eof -> {ok, lists:flatten(lists:reverse(Acc))};
        Chunk -> read_all([Chunk | Acc])
    end.
