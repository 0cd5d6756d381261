// Boost.Process v2 (Boost 1.81, header-only) with std::filesystem: only the headers the loader
// needs, in an order that compiles. With BOOST_PROCESS_USE_STD_FS (set for loader_lib) the
// umbrella header <boost/process/v2.hpp> does not build in 1.81 (environment.hpp), and without
// it Boost.Filesystem would have to be linked.
#pragma once

#include <boost/io/quoted.hpp>
#include <boost/optional.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
