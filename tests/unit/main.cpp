// The Catch2 main lives alone in this file: it is the slowest unit to compile.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
