defmodule Battery do
  def spin(k), do: spin(rem(k + 1, 1000))

  def main do
    [mode, n | rest] = IO.read(:stdio, :eof) |> String.split() |> Enum.map(&String.to_integer/1)
    sum = rest |> Enum.take(n) |> Enum.sum()
    if mode == 2, do: System.halt(3)
    if mode == 3, do: spin(0)
    IO.puts(sum + if(mode == 1, do: 1, else: 0))
  end
end

Battery.main()
