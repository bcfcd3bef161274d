# Summarise monthly sales per region.
library(stats)

sales <- data.frame(
  region = c("north", "south", "north", "east"),
  amount = c(120.5, 98, 143.25, 77),
  stringsAsFactors = FALSE
)

summarise_region <- function(df, region_name) {
  rows <- df[df$region == region_name, ]
  if (nrow(rows) == 0) {
    return(NA_real_)
  }
  mean(rows$amount)
}

regions <- unique(sales$region)
for (r in regions) {
  avg <- summarise_region(sales, r)
  cat(sprintf("%-6s %8.2f\n", r, avg))
}

totals <- sapply(split(sales$amount, sales$region), sum)
print(totals[order(-totals)])
