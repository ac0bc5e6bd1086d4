defmodule Broken do
  def main do
    IO.puts("x"
  end
end
