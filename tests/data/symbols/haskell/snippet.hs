{-# LANGUAGE ScopedTypeVariables #-}
module Main (main) where

import qualified Data.Map.Strict as Map
import Data.Char (toLower, isAlpha)

-- | A frequency table of words.
type Freq = Map.Map String Int

data Summary = Summary
  { total  :: Int
  , unique :: Int
  } deriving (Show, Eq)

countWords :: String -> Freq
countWords = foldr bump Map.empty . words . map normalise
  where
    bump w = Map.insertWith (+) w 1
    normalise c
      | isAlpha c = toLower c
      | otherwise = ' '

summarise :: Freq -> Summary
summarise f = Summary (sum (Map.elems f)) (Map.size f)

main :: IO ()
main = do
  let text = "The cat and the hat"
      freq = countWords text
  print (summarise freq)
  mapM_ print (Map.toList freq)
