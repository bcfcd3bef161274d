// Public signature of the Inventory stock module.
namespace Inventory

open System

/// An item held in stock.
type Item = { Sku: string; Name: string; Quantity: int }

type StockEvent =
    | Added of string * int
    | Removed of string * int

module Stock =
    /// Applies one event to the stock map.
    val apply: stock: Map<string, int> -> event: StockEvent -> Map<string, int>

    /// Replays all events from an empty stock.
    val replay: events: StockEvent list -> Map<string, int>

    val main: argv: string[] -> int
