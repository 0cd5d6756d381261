// The input check of a CSV source: headers alike, compressed files whole.
#include "boltload/csv_inputs.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace boltload {
namespace {

std::string header_text(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < 12; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > 12) out += fmt::format(", ... ({} columns)", names.size());
    return out.empty() ? "no columns (an empty file)" : out;
}

std::uint64_t size_on_disk(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw csv_error(path, 0, 0, std::strerror(errno));
    return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

bool is_glob(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

std::vector<std::string> glob_files(const std::string& pattern) {
    glob_t g{};
    std::vector<std::string> out;
    if (::glob(pattern.c_str(), GLOB_MARK, nullptr, &g) == 0) {
        for (std::size_t i = 0; i < g.gl_pathc; ++i) {
            const std::string p = g.gl_pathv[i];
            if (!p.empty() && p.back() != '/') out.push_back(p);  // GLOB_MARK: directories end in '/'
        }
    }
    ::globfree(&g);
    std::sort(out.begin(), out.end());  // glob sorts by the locale; ids must not depend on it
    return out;
}

csv_inputs check_csv_inputs(const csv_spec& spec, const chunk_filter& wanted) {
    check_csv_dialect(spec);
    const std::vector<std::string> paths = csv_files(spec);
    csv_inputs out;
    out.files.reserve(paths.size());     // `first` points into it
    const csv_input_file* first = nullptr;  // the first file with a header record
    for (std::size_t f = 0; f < paths.size(); ++f) {
        csv_input_file file;
        file.path = paths[f];
        file.kind = compression_of(file.path);
        file.size = size_on_disk(file.path);
        const csv_source source = csv_source::open_file(file.path);
        const bool decode = file.kind != compression::none && (!wanted || wanted(csv_chunk_id(0, f, paths.size())));
        if (decode) {
            // One chunk as large as the file: the cut pass counts its records and reads it to the
            // end, so the decoder meets any damage now.
            csv_cutter cutter(source, spec, csv_cut_options{.target_chunk_bytes = std::numeric_limits<std::uint64_t>::max()});
            while (cutter.next()) {
            }
            file.header = cutter.header();
            file.decoded = true;
            file.records = cutter.records();
            file.decoded_size = source.size();
        } else {
            file.header = read_csv_header(source, spec);
        }
        // An empty file (no header at all) holds no rows and cannot disagree.
        const bool empty = file.header.names.empty();
        if (spec.header && first && !empty && file.header.names != first->header.names)
            throw csv_error(file.path, 1, 0,
                            fmt::format("its header ({}) differs from the header of {} ({}): every file of a source "
                                        "must have the same columns",
                                        header_text(file.header.names), first->path, header_text(first->header.names)));
        out.files.push_back(std::move(file));
        if (!first && !empty) first = &out.files.back();
    }
    return out;
}

std::map<std::string, csv_inputs> check_run_inputs(const run_config& config, const chunk_filter& wanted) {
    std::map<std::string, csv_inputs> out;
    for (const auto& phase : config.phases) {
        const auto* csv = std::get_if<csv_spec>(&phase.work.source);
        if (!csv) continue;
        try {
            out.emplace(phase.work.name, check_csv_inputs(*csv, wanted));
        } catch (const std::exception& e) {  // csv_error names the file; the user wants the phase too
            throw std::runtime_error(fmt::format("phase {}: {}", phase.work.name, e.what()));
        }
    }
    return out;
}

}  // namespace boltload
