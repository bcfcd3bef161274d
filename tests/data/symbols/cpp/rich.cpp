// Definitions a C++ outline must show.
#include <string>
#include <vector>

#define CHECK(x) do { if (!(x)) abort(); } while (0)

namespace geo {
namespace detail {
int helper(int x) { return x; }
}

template <typename T>
class Box {
public:
    Box() : value_() {}
    explicit Box(T value) : value_(value) {}
    ~Box() {}

    T get() const { return value_; }
    void set(T value);
    Box &operator=(const Box &other) = default;
    bool operator==(const Box &other) const { return value_ == other.value_; }

    struct Inner {
        int depth;
    };

    enum class Mode { Fast, Safe };

private:
    T value_;
};

template <typename T>
void Box<T>::set(T value) { value_ = value; }

struct Point {
    double x, y;
    double norm() const;
};

double Point::norm() const { return x * x + y * y; }

using Points = std::vector<Point>;
typedef Box<int> IntBox;

template <typename T>
concept Numeric = requires(T a) { a + a; };

template <typename T>
T twice(T v) { return v + v; }

const std::string &name_of(const Point &p);
}  // namespace geo

int main() { return 0; }
