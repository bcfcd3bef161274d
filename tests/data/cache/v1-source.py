"""A small module written for syntaxd's cache golden files."""

import os
from dataclasses import dataclass


@dataclass
class Point:
    x: int
    y: int

    def norm(self) -> float:
        return (self.x ** 2 + self.y ** 2) ** 0.5


def walk(root: str):
    for entry in os.scandir(root):
        if entry.is_dir():
            yield from walk(entry.path)
        else:
            yield entry.path
