# Order total helpers for the shop checkout.
import std/strutils

const ShippingCents = 495
const Currency = "EUR"

proc lineTotal(unitCents: int, quantity: int): int =
  return unitCents * quantity

func isBulk(quantity: int): bool =
  return quantity >= 10

proc label(name: string, cents: int): string =
  result = name.capitalizeAscii() & ": " & intToStr(cents) & " " & Currency & " cents"

proc main() =
  let widgets = lineTotal(250, 12)
  let bolts = lineTotal(15, 40)
  var total = widgets + bolts
  total = total + ShippingCents
  echo label("widgets", widgets)
  echo label("bolts", bolts)
  echo label("total", total)
  echo isBulk(12)

main()
