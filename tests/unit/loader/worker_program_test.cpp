// Where boltload looks for boltload-worker, in order: $BOLTLOAD_WORKER, beside boltload (a build
// tree), ../libexec/boltload/ (an installed tree); and what it says when there is none. Checked
// on a fake prefix of empty files.
#include "boltload/worker_program.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace {

namespace fs = std::filesystem;
using boltload::worker_program;

/// A scratch prefix with bin/boltload; each test puts workers where it wants them.
class fake_prefix : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        root_ =
            fs::temp_directory_path() / ("boltload_worker_program_" + std::string(info->name()) +
                                         "_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        touch(boltload());
    }
    void TearDown() override { fs::remove_all(root_); }

    fs::path boltload() const { return root_ / "bin" / "boltload"; }
    fs::path beside() const { return root_ / "bin" / "boltload-worker"; }
    fs::path libexec() const { return root_ / "libexec" / "boltload" / "boltload-worker"; }
    fs::path elsewhere() const { return root_ / "opt" / "boltload-worker"; }

    static void touch(const fs::path& p) {
        fs::create_directories(p.parent_path());
        std::ofstream(p) << "";
    }

    /// The message worker_program throws, or "" when it returns.
    static std::string error_of(std::string_view override_path, const fs::path& self) {
        try {
            worker_program(override_path, self);
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "";
    }

    fs::path root_;
};

TEST_F(fake_prefix, the_environment_wins_even_over_a_worker_beside) {
    touch(beside());
    touch(libexec());
    touch(elsewhere());
    EXPECT_EQ(worker_program(elsewhere().string(), boltload()), elsewhere());
}

TEST_F(fake_prefix, beside_boltload_comes_before_libexec) {
    touch(beside());
    touch(libexec());
    EXPECT_EQ(worker_program("", boltload()), beside());
}

TEST_F(fake_prefix, an_installed_tree_finds_libexec) {
    touch(libexec());
    EXPECT_EQ(worker_program("", boltload()), libexec());
}

TEST_F(fake_prefix, a_directory_named_like_the_worker_is_not_a_worker) {
    fs::create_directories(beside());
    touch(libexec());
    EXPECT_EQ(worker_program("", boltload()), libexec());
}

TEST_F(fake_prefix, no_worker_anywhere_names_both_places_and_the_variable) {
    const std::string error = error_of("", boltload());
    EXPECT_NE(error.find(beside().string()), std::string::npos) << error;
    EXPECT_NE(error.find(libexec().string()), std::string::npos) << error;
    EXPECT_NE(error.find("BOLTLOAD_WORKER"), std::string::npos) << error;
}

TEST_F(fake_prefix, an_override_that_is_not_a_file_is_an_error_not_a_fallback) {
    touch(beside());
    const std::string error = error_of(elsewhere().string(), boltload());
    EXPECT_NE(error.find("BOLTLOAD_WORKER=" + elsewhere().string()), std::string::npos) << error;
}

TEST_F(fake_prefix, BOLTLOAD_WORKER_is_read_from_the_environment) {
    touch(elsewhere());
    ::setenv("BOLTLOAD_WORKER", elsewhere().c_str(), 1);
    EXPECT_EQ(boltload::worker_program(), elsewhere());
    ::setenv("BOLTLOAD_WORKER", "", 1);  // empty counts as unset: the test binary has no worker
    EXPECT_THROW(boltload::worker_program(), std::runtime_error);
    ::unsetenv("BOLTLOAD_WORKER");
}

}  // namespace
