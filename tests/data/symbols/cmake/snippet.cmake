cmake_minimum_required(VERSION 3.20)
project(helper VERSION 1.2.0 LANGUAGES C CXX)

# Options
option(HELPER_BUILD_TESTS "Build the unit tests" ON)
set(CMAKE_CXX_STANDARD 17)

add_library(helper STATIC
  src/helper.c
  src/strings.c
)
target_include_directories(helper PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)

function(add_helper_test name)
  add_executable(${name} tests/${name}.cpp)
  target_link_libraries(${name} PRIVATE helper)
  add_test(NAME ${name} COMMAND ${name})
endfunction()

if(HELPER_BUILD_TESTS)
  enable_testing()
  foreach(t IN ITEMS test_strings test_parse)
    add_helper_test(${t})
  endforeach()
endif()
