package example.shapes

import scala.math.Pi

sealed trait Shape {
  def area: Double
}

final case class Circle(radius: Double) extends Shape {
  def area: Double = Pi * radius * radius
}

final case class Rect(w: Double, h: Double) extends Shape {
  def area: Double = w * h
}

object Shapes {
  def describe(s: Shape): String = s match {
    case Circle(r) if r > 10 => s"big circle of radius $r"
    case Circle(r)           => s"circle of radius $r"
    case Rect(w, h)          => s"rectangle ${w}x$h"
  }

  def main(args: Array[String]): Unit = {
    val shapes = List(Circle(2.0), Rect(3, 4), Circle(12))
    shapes.sortBy(_.area).foreach(s => println(describe(s)))
  }
}
