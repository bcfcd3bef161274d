import 'dart:async';
import 'dart:math' as math;

/// A point in 2D space.
class Point {
  final double x;
  final double y;

  const Point(this.x, this.y);

  double distanceTo(Point other) {
    final dx = x - other.x;
    final dy = y - other.y;
    return math.sqrt(dx * dx + dy * dy);
  }

  @override
  String toString() => 'Point($x, $y)';
}

enum Direction { north, south, east, west }

Future<List<Point>> loadPoints() async {
  await Future.delayed(const Duration(milliseconds: 10));
  return [const Point(0, 0), const Point(3, 4)];
}

void main() async {
  final points = await loadPoints();
  for (var i = 1; i < points.length; i++) {
    print(points[i - 1].distanceTo(points[i]));
  }
}
