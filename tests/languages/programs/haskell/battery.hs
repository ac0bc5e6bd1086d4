import qualified Data.ByteString.Char8 as B
import Data.Maybe (mapMaybe)
import System.Exit

spin :: Int -> Int
spin k = if k < 0 then k else spin ((k + 1) `mod` 1000)

main :: IO ()
main = do
  tokens <- map fst . mapMaybe B.readInt . B.words <$> B.getContents
  let (mode : n : rest) = tokens
      total = sum (take n rest)
  case mode of
    2 -> exitWith (ExitFailure 3)
    3 -> print (spin 0)
    1 -> print (total + 1)
    _ -> print total
