// The version feature table and the message-level error category.
#include "bolt/protocol.hpp"

namespace bolt {

std::string protocol_version::to_string() const {
    return std::to_string(major) + '.' + std::to_string(minor);
}

std::string_view to_string(message_tag t) {
    switch (t) {
        case message_tag::hello: return "HELLO";
        case message_tag::goodbye: return "GOODBYE";
        case message_tag::ack_failure: return "ACK_FAILURE";
        case message_tag::reset: return "RESET";
        case message_tag::run: return "RUN";
        case message_tag::begin: return "BEGIN";
        case message_tag::commit: return "COMMIT";
        case message_tag::rollback: return "ROLLBACK";
        case message_tag::discard: return "DISCARD";
        case message_tag::pull: return "PULL";
        case message_tag::telemetry: return "TELEMETRY";
        case message_tag::route: return "ROUTE";
        case message_tag::logon: return "LOGON";
        case message_tag::logoff: return "LOGOFF";
        case message_tag::success: return "SUCCESS";
        case message_tag::record: return "RECORD";
        case message_tag::ignored: return "IGNORED";
        case message_tag::failure: return "FAILURE";
    }
    return "UNKNOWN";
}

protocol_features features_for(protocol_version v, bool utc_patch) {
    const auto at_least = [v](std::uint8_t major, std::uint8_t minor) {
        return v >= protocol_version{major, minor};
    };
    protocol_features f;
    f.version = v;
    f.init_message = v.major < 3;
    f.ack_failure = v.major < 3;
    f.explicit_transactions = at_least(3, 0);
    f.pull_n_qid = at_least(4, 0);
    f.route = at_least(4, 4) ? route_layout::extra_dict
              : at_least(4, 3) ? route_layout::db_string
                               : route_layout::none;
    f.imp_user = at_least(4, 4);
    f.element_ids = at_least(5, 0);
    f.utc_patch_negotiable = v.major == 4 && v.minor >= 3;
    f.utc_datetime = f.element_ids || (f.utc_patch_negotiable && utc_patch);
    f.logon_message = at_least(5, 1);
    f.notification_filters = at_least(5, 2);
    f.bolt_agent = at_least(5, 3);
    f.telemetry = at_least(5, 4);
    f.dialect = packstream::dialect{f.element_ids, f.utc_datetime};
    return f;
}

namespace {

class protocol_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "bolt.protocol"; }
    std::string message(int ev) const override {
        switch (static_cast<protocol_errc>(ev)) {
            case protocol_errc::ok: return "success";
            case protocol_errc::message_too_large: return "message larger than the allowed maximum";
            case protocol_errc::empty_message: return "empty message";
            case protocol_errc::not_a_structure: return "message is not a PackStream structure";
            case protocol_errc::unknown_message: return "unknown message signature";
            case protocol_errc::not_in_version:
                return "message or field not available in the negotiated Bolt version";
            case protocol_errc::wrong_field_count: return "message has the wrong number of fields";
            case protocol_errc::wrong_field_type: return "message field has the wrong type";
            case protocol_errc::trailing_bytes: return "bytes after the end of the message";
        }
        return "unknown bolt protocol error";
    }
};

}  // namespace

const std::error_category& protocol_category() {
    static const protocol_category_impl instance;
    return instance;
}

std::error_code make_error_code(protocol_errc e) {
    return {static_cast<int>(e), protocol_category()};
}

}  // namespace bolt
