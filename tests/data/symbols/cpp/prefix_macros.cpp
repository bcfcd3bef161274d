// Macros in front of declarations, macro statements and namespace macros, as a library
// that builds with several compilers writes them. Every name below is a definition a
// reader of this file expects in its outline.
#include <cstddef>

#define LIB_API __attribute__((visibility("default")))
#define LIB_CONSTEXPR constexpr
#define LIB_NORETURN [[noreturn]]
#define LIB_BEGIN_NAMESPACE namespace lib {
#define LIB_END_NAMESPACE }
#define LIB_DECLARE_KIND_(type, kind) \
  template <> struct kind_of<type> { static const int value = kind; }

LIB_BEGIN_NAMESPACE

template <typename T> struct kind_of;

LIB_DECLARE_KIND_(unsigned char, 1);
LIB_DECLARE_KIND_(long long, 2);  // NOLINT

LIB_NORETURN LIB_API void fail(const char* file, int line, const char* message);

template <typename... T> LIB_CONSTEXPR void ignore_unused(const T&...) {}

class LIB_API format_error {
 public:
  LIB_CONSTEXPR format_error(const char* what) : what_(what) {}
  LIB_CONSTEXPR auto what() const -> const char* { return what_; }

 private:
  const char* what_;
};

template <typename Char> class string_view {
 public:
  LIB_CONSTEXPR string_view(const Char* s, size_t n) : data_(s), size_(n) {}
  LIB_CONSTEXPR void remove_prefix(size_t n) { data_ += n; size_ -= n; }
  LIB_CONSTEXPR friend auto operator==(string_view a, string_view b) -> bool {
    return a.size_ == b.size_;
  }
  static LIB_CONSTEXPR auto empty_view() -> string_view { return {nullptr, 0}; }

 private:
  const Char* data_;
  size_t size_;
};

enum class align { left, right, center };

struct LIB_API options {
  align alignment;
  int width;
};

LIB_API auto make_options(int width) -> options;

LIB_END_NAMESPACE
