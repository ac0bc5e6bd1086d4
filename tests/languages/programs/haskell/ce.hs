main :: IO ()
main = print (1 +)
  where x =
