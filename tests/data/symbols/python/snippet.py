"""Inventory helpers for the warehouse service."""
import json
from dataclasses import dataclass, field


@dataclass
class Item:
    name: str
    quantity: int = 0
    tags: list[str] = field(default_factory=list)

    def restock(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.quantity += amount


def load_items(path):
    # Read the JSON file and build items, skipping empty entries.
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    return [Item(**entry) for entry in raw if entry]


if __name__ == "__main__":
    for item in load_items("items.json"):
        print(f"{item.name}: {item.quantity}")
