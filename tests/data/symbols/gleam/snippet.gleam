import gleam/int
import gleam/io
import gleam/list

/// A shape that can be measured.
pub type Shape {
  Circle(radius: Float)
  Rect(width: Float, height: Float)
}

pub fn area(shape: Shape) -> Float {
  case shape {
    Circle(r) -> 3.14159 *. r *. r
    Rect(w, h) -> w *. h
  }
}

fn describe(n: Int) -> String {
  case n {
    0 -> "none"
    1 -> "one"
    _ -> int.to_string(n) <> " shapes"
  }
}

pub fn main() {
  let shapes = [Circle(1.0), Rect(2.0, 3.0)]
  let total = list.fold(shapes, 0.0, fn(acc, s) { acc +. area(s) })
  io.println(describe(list.length(shapes)))
  io.debug(total)
}
