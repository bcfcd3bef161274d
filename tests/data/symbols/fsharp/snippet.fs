// Stock bookkeeping: items, events and replay of an event log.
module Inventory.Stock

open System
open System.Collections.Generic

/// An item held in stock.
type Item = { Sku: string; Name: string; Quantity: int }

type StockEvent =
    | Added of string * int
    | Removed of string * int

let apply (stock: Map<string, int>) event =
    match event with
    | Added (sku, n) -> stock |> Map.change sku (fun v -> Some (defaultArg v 0 + n))
    | Removed (sku, n) ->
        let current = stock |> Map.tryFind sku |> Option.defaultValue 0
        if current < n then failwithf "not enough %s" sku
        stock |> Map.add sku (current - n)

let replay events = List.fold apply Map.empty events

[<EntryPoint>]
let main argv =
    let events = [ Added ("A-1", 5); Removed ("A-1", 2) ]
    for KeyValue (sku, qty) in replay events do
        printfn "%s: %d" sku qty
    0
