#include <iostream>
#include <string>
#include <vector>

namespace geometry {

template <typename T>
struct Point {
    T x;
    T y;
};

class Polygon {
public:
    explicit Polygon(std::vector<Point<double>> pts) : points_(std::move(pts)) {}

    double perimeter() const {
        double total = 0.0;
        for (std::size_t i = 0; i < points_.size(); ++i) {
            const auto& a = points_[i];
            const auto& b = points_[(i + 1) % points_.size()];
            total += std::hypot(b.x - a.x, b.y - a.y);
        }
        return total;
    }

private:
    std::vector<Point<double>> points_;
};

}  // namespace geometry

int main() {
    geometry::Polygon square({{0, 0}, {1, 0}, {1, 1}, {0, 1}});
    std::cout << "perimeter: " << square.perimeter() << std::endl;
    return 0;
}
