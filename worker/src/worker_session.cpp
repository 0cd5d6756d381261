// The worker's chunk loop: read only its own slice (or generate its rows), cut batches of
// batch_size, run each as one transaction and report it.
#include "boltload/worker_session.hpp"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace boltload {
namespace {

bool skipped(const chunk& c, std::uint32_t index) {
    return std::binary_search(c.skip_batches.begin(), c.skip_batches.end(), index);
}

bool in_doubt(const chunk& c, std::uint32_t index) {
    return std::binary_search(c.unknown_batches.begin(), c.unknown_batches.end(), index);
}

/// The batch's rows are read only to be reported (in doubt) or not at all (skipped): no need to
/// convert them.
bool runs(const chunk& c, std::uint32_t index) { return !skipped(c, index) && !in_doubt(c, index); }

nlohmann::json to_json_value(const bolt::value& v) {
    switch (v.type()) {
        case bolt::value_type::null: return nullptr;
        case bolt::value_type::boolean: return v.as<bool>();
        case bolt::value_type::integer: return v.as<std::int64_t>();
        case bolt::value_type::floating: return v.as<double>();
        case bolt::value_type::string: return v.as<std::string>();
        case bolt::value_type::list: {
            nlohmann::json a = nlohmann::json::array();
            for (const auto& item : v.as<bolt::list>()) a.push_back(to_json_value(item));
            return a;
        }
        case bolt::value_type::map: {
            nlohmann::json o = nlohmann::json::object();
            for (const auto& [k, item] : v.as<bolt::map>()) o[k] = to_json_value(item);
            return o;
        }
        default: return to_string(v);  // temporal and spatial values in their Cypher spelling
    }
}

fatal fatal_from(fatal_kind kind, const std::string& message, std::optional<std::uint64_t> chunk = {}) {
    return fatal{kind, message, chunk};
}

}  // namespace

std::string row_to_json(const bolt::value& row) { return to_json_value(row).dump(); }

std::variant<std::unique_ptr<worker_session>, fatal> worker_session::open(const configure& c,
                                                                          bolt::driver_config extra) {
    try {
        bolt::driver_config config = to_driver_config(c.connection);
        if (extra.transport_factory) config.transport_factory = extra.transport_factory;
        bolt::driver driver(c.connection.uri, to_auth_token(c.connection.auth), std::move(config));
        const bolt::server_info info = driver.get_server_info();  // connects and authenticates
        std::unique_ptr<worker_session> s(
            new worker_session(c, std::move(driver), ready{info.agent, info.protocol_version}));
        if (const auto* spec = std::get_if<csv_spec>(&c.phase.source)) {
            s->csv_.emplace(csv_source::open_file(spec->path));
            const csv_header header = read_csv_header(*s->csv_, *spec);
            s->converter_ = std::make_unique<row_converter>(*spec, header.names);
        } else {
            s->generator_ = std::make_unique<row_generator>(std::get<generate_spec>(c.phase.source));
        }
        return s;
    } catch (const bolt::auth_error& e) {
        return fatal_from(fatal_kind::auth, e.what());
    } catch (const bolt::usage_error& e) {
        return fatal_from(fatal_kind::config, e.what());
    } catch (const bolt::error& e) {
        return fatal_from(fatal_kind::connect, e.what());
    } catch (const csv_error& e) {
        return fatal_from(fatal_kind::input, e.what());
    } catch (const std::invalid_argument& e) {
        return fatal_from(fatal_kind::config, e.what());
    }
}

worker_session::worker_session(const configure& c, bolt::driver driver, ready r)
    : config_(c), driver_(std::move(driver)), ready_(std::move(r)) {
    runner_ = std::make_unique<batch_runner>(driver_, config_.connection, config_.phase);
    params_.append(config_.phase.parameter, bolt::list{});
}

worker_session::~worker_session() = default;

bolt::list& worker_session::rows() {
    return params_.find(config_.phase.parameter)->as<bolt::list>();
}

std::optional<fatal> worker_session::run_chunk(const chunk& c, const sender& send, const chunk_control& control) {
    if (const auto* range = std::get_if<csv_range>(&c.range)) {
        if (!converter_) return fatal{fatal_kind::protocol, "CSV chunk for a generated phase", c.chunk_id};
        return run_csv(c, *range, send, control);
    }
    if (!generator_) return fatal{fatal_kind::protocol, "generator chunk for a CSV phase", c.chunk_id};
    return run_generated(c, std::get<generate_range>(c.range), send, control);
}

bool worker_session::run_batch(const chunk& c, std::uint32_t index, std::uint64_t rows, std::uint64_t first_line,
                               const std::function<std::vector<std::string>()>& dead_letter_rows, const sender& send,
                               const chunk_control& control) {
    if (in_doubt(c, index)) {
        batch_result r;
        r.chunk_id = c.chunk_id;
        r.batch = index;
        r.rows = rows;
        r.outcome = batch_outcome::unknown;
        r.attempts = 0;
        r.first_line = first_line;
        r.dead_letter_rows = dead_letter_rows();
        send(r);
        return true;
    }
    // The coordinator writes the batch's begin to its journal before it says go, so a batch that
    // commits is never missing from the journal, whatever crashes next.
    send(batch_begin{c.chunk_id, index, rows, first_line});
    if (!control.wait_for_go(c.chunk_id, index)) return false;
    batch_result r = runner_->run(params_, rows);
    r.chunk_id = c.chunk_id;
    r.batch = index;
    r.first_line = first_line;
    if (r.outcome != batch_outcome::committed) r.dead_letter_rows = dead_letter_rows();
    send(r);
    return true;
}

std::optional<fatal> worker_session::run_csv(const chunk& c, const csv_range& range, const sender& send,
                                             const chunk_control& control) {
    const auto& spec = std::get<csv_spec>(config_.phase.source);
    const auto batch_size = static_cast<std::size_t>(std::max<std::int64_t>(1, config_.phase.batch_size));
    csv_chunk_reader reader(*csv_, spec, csv_chunk{range.begin, range.end, range.first_line, 0});
    bolt::list& batch = rows();
    // Where each record of the batch is in the file, so failed batches can be dead-lettered
    // verbatim without keeping a copy of every row.
    std::vector<std::pair<std::uint64_t, std::size_t>> spans;
    spans.reserve(batch_size);
    std::uint32_t index = 0;
    std::uint64_t total = 0;
    std::uint64_t first_line = 0;
    std::uint64_t bytes_done = 0;
    const auto dead_letter = [&] {
        std::vector<std::string> out;
        out.reserve(spans.size());
        for (const auto& [at, size] : spans) {
            std::string raw(size, '\0');
            raw.resize(csv_->read(at, raw.data(), size));
            out.push_back(std::move(raw));
        }
        return out;
    };
    for (;;) {
        bool more = false;
        try {
            more = reader.next();
            if (more) {
                const csv_record& rec = reader.record();
                if (spans.empty()) first_line = rec.line;
                if (runs(c, index)) converter_->convert_into(rec, batch, spans.size());
                spans.emplace_back(rec.begin, rec.raw.size());
                bytes_done = rec.end - range.begin;
                ++total;
            }
        } catch (const csv_error& e) {
            return fatal{fatal_kind::input, e.what(), c.chunk_id};
        }
        if (!spans.empty() && (spans.size() == batch_size || !more)) {
            if (!skipped(c, index)) {
                if (batch.size() > spans.size())
                    batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(spans.size()), batch.end());
                if (!run_batch(c, index, spans.size(), first_line, dead_letter, send, control)) return std::nullopt;
            }
            send(progress{c.chunk_id, total, bytes_done});
            spans.clear();
            ++index;
            if (control.should_stop()) return std::nullopt;
        }
        if (!more) break;
    }
    send(chunk_done{c.chunk_id, total, index});
    return std::nullopt;
}

std::optional<fatal> worker_session::run_generated(const chunk& c, const generate_range& range,
                                                   const sender& send, const chunk_control& control) {
    const std::int64_t batch_size = std::max<std::int64_t>(1, config_.phase.batch_size);
    bolt::list& batch = rows();
    std::uint32_t index = 0;
    const auto dead_letter = [&] {
        std::vector<std::string> out;
        out.reserve(batch.size());
        for (const auto& row : batch) out.push_back(row_to_json(row));
        return out;
    };
    try {
        for (std::int64_t first = range.first; first < range.first + range.count;
             first += batch_size, ++index) {
            const std::int64_t n = std::min(batch_size, range.first + range.count - first);
            if (!skipped(c, index)) {
                generator_->fill(first, n, batch);
                if (!run_batch(c, index, static_cast<std::uint64_t>(n), 0, dead_letter, send, control))
                    return std::nullopt;
            }
            send(progress{c.chunk_id, static_cast<std::uint64_t>(first + n - range.first), 0});
            if (control.should_stop()) return std::nullopt;
        }
    } catch (const std::out_of_range& e) {
        return fatal{fatal_kind::protocol, e.what(), c.chunk_id};
    }
    send(chunk_done{c.chunk_id, static_cast<std::uint64_t>(range.count), index});
    return std::nullopt;
}

}  // namespace boltload
