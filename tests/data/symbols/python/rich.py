"""Definitions a Python outline must show: classes, methods, decorators, nesting."""

import functools
from dataclasses import dataclass

MAX_RETRIES = 3
default_name = "world"
first, second = 1, 2


def decorator(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


@dataclass
class Point:
    x: int = 0
    y: int = 0
    origin = None

    def __init__(self, x, y):
        self.x = x
        self.y = y

    @property
    def norm(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5

    @staticmethod
    def zero():
        return Point(0, 0)

    class Meta:
        ordering = ["x"]

        def describe(self):
            return "meta"


async def fetch(url):
    return url


@decorator
def greet(name=default_name):
    def inner():
        return name

    return inner()


class Generic[T]:
    def get(self) -> T:
        ...


square = lambda x: x * x


class Hooks:
    # Both names are bound to the lambda: the second is a function.
    on_open = on_close = lambda self: None
