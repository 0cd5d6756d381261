// The Cypher parser: recursive descent over the token vector, one function per grammar level of
// openCypher 9 (the grammar Memgraph uses). Errors are recorded once and unwind by return values.
#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <server/cypher/lexer.hpp>
#include <server/cypher/parser.hpp>
#include <string>

namespace server::cypher {

namespace {

constexpr char upper_ascii(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

/// Case-insensitive match of token text against a keyword spelled in upper case.
bool iequals(std::string_view text, std::string_view upper_kw) {
    if (text.size() != upper_kw.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (upper_ascii(text[i]) != upper_kw[i]) return false;
    return true;
}

// Words that end or join expressions and clauses; a bare identifier spelled like one of these is
// never taken as a variable, which keeps "RETURN" from being read as a name at a clause boundary.
constexpr std::array<std::string_view, 40> reserved_words{
    "AND",    "AS",     "ASC",     "ASCENDING",  "BY",       "CALL",     "CASE",  "CONTAINS",
    "CREATE", "DELETE", "DESC",    "DESCENDING", "DETACH",   "DISTINCT", "ELSE",  "END",
    "ENDS",   "FALSE",  "FOREACH", "IN",         "IS",       "LIMIT",    "LOAD",  "MATCH",
    "MERGE",  "NOT",    "NULL",    "ON",         "OPTIONAL", "OR",       "ORDER", "REMOVE",
    "RETURN", "SET",    "SKIP",    "STARTS",     "THEN",     "TRUE",     "UNION", "UNWIND",
};

// Clauses and statements Cypher has and this server does not; naming them beats a parse error.
constexpr std::array<std::string_view, 12> unsupported_clauses{
    "CALL",    "LOAD",  "FOREACH", "UNION",  "USING",   "EXPLAIN",
    "PROFILE", "GRANT", "DENY",    "REVOKE", "ANALYZE", "DUMP",
};

constexpr std::string_view clause_start_set =
    "{CREATE, DELETE, DETACH, MATCH, MERGE, OPTIONAL, REMOVE, RETURN, SET, UNWIND, WITH}";
constexpr std::string_view statement_start_set =
    "{CREATE, DELETE, DETACH, DROP, FREE, MATCH, MERGE, OPTIONAL, REMOVE, RETURN, SET, SHOW, "
    "STORAGE, UNWIND, WITH}";

bool is_reserved(std::string_view word) {
    constexpr std::size_t longest = 10;  // DESCENDING
    if (word.size() > longest || word.size() < 2) return false;
    char buf[longest];
    for (std::size_t i = 0; i < word.size(); ++i) buf[i] = upper_ascii(word[i]);
    const std::string_view up(buf, word.size());
    return std::binary_search(reserved_words.begin(), reserved_words.end(), up);
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

/// Decodes a string token (quotes included) with Cypher's backslash escapes.
std::string unescape(std::string_view quoted) {
    std::string out;
    const std::string_view body = quoted.substr(1, quoted.size() - 2);
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c != '\\' || i + 1 >= body.size()) {
            out.push_back(c);
            continue;
        }
        const char e = body[++i];
        switch (e) {
            case 'n':
                out.push_back('\n');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'u':
            case 'U': {
                const std::size_t digits = e == 'u' ? 4 : 8;
                std::uint32_t cp = 0;
                if (i + digits < body.size() &&
                    std::from_chars(body.data() + i + 1, body.data() + i + 1 + digits, cp, 16)
                            .ptr == body.data() + i + 1 + digits &&
                    cp <= 0x10FFFF) {
                    append_utf8(out, cp);
                    i += digits;
                } else {
                    out.push_back(e);
                }
                break;
            }
            default:
                out.push_back(e);
                break;  // \\ \' \" and anything else: the character itself
        }
    }
    return out;
}

std::string unquote_name(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        out.push_back(text[i]);
        if (text[i] == '`') ++i;  // `` stands for one backquote
    }
    return out;
}

class parser {
public:
    parser(std::string_view text, const std::vector<token>& tokens) : text_(text), toks_(tokens) {}

    parse_result run() {
        q_.exprs.reserve(toks_.size() / 2 + 4);
        parse_statement();
        if (err_) return std::move(*err_);
        return std::move(q_);
    }

private:
    // ---- token helpers -----------------------------------------------------------------------

    const token& cur() const { return toks_[i_]; }
    const token& peek(std::size_t k = 1) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
    bool at(token_kind k) const { return cur().kind == k; }
    bool at_kw(std::string_view kw) const { return is_kw(cur(), kw); }
    static bool is_kw(const token& t, std::string_view kw) {
        return t.kind == token_kind::identifier && iequals(t.text, kw);
    }
    void bump() {
        if (i_ + 1 < toks_.size()) ++i_;
    }
    bool accept(token_kind k) {
        if (!at(k)) return false;
        bump();
        return true;
    }
    bool accept_kw(std::string_view kw) {
        if (!at_kw(kw)) return false;
        bump();
        return true;
    }
    bool expect(token_kind k) {
        if (accept(k)) return true;
        return mismatch(to_string(k));
    }
    bool expect_kw(std::string_view kw) {
        if (accept_kw(kw)) return true;
        return mismatch(kw);
    }
    bool failed() const { return err_.has_value(); }

    // ---- errors ------------------------------------------------------------------------------

    static std::string position_prefix(const source_pos& p) {
        return "line " + std::to_string(p.line) + ":" + std::to_string(p.column - 1) + " ";
    }
    std::string token_text(const token& t) const {
        if (t.kind == token_kind::end) return "<EOF>";
        if (t.kind == token_kind::parameter) return "$" + std::string(t.text);
        if (t.kind == token_kind::quoted_name) return "`" + std::string(t.text) + "`";
        return std::string(t.text);
    }
    bool fail_at(const source_pos& p, std::string message) {
        if (!err_) err_ = syntax_error{p.line, p.column, std::move(message)};
        return false;
    }
    /// ANTLR's "mismatched input 'X' expecting Y".
    bool mismatch(std::string_view expected) {
        const token& t = cur();
        return fail_at(t.pos, position_prefix(t.pos) + "mismatched input '" + token_text(t) +
                                  "' expecting " + std::string(expected));
    }
    /// ANTLR's "no viable alternative at input '...'": the text from the clause's start up to the
    /// offending token (the last real token when the input ended early).
    bool no_viable() {
        std::size_t last = i_;
        if (cur().kind == token_kind::end && i_ > clause_start_) last = i_ - 1;
        const token& first = toks_[clause_start_];
        const token& bad = toks_[last];
        const std::size_t begin = first.pos.offset;
        const std::size_t end = bad.pos.offset + bad.text.size() +
                                (bad.kind == token_kind::quoted_name ? 2 : 0) +
                                (bad.kind == token_kind::parameter ? 1 : 0);
        std::string shown = bad.kind == token_kind::end && last == clause_start_
                                ? std::string("<EOF>")
                                : std::string(text_.substr(begin, end - begin));
        return fail_at(bad.pos,
                       position_prefix(bad.pos) + "no viable alternative at input '" + shown + "'");
    }
    bool unsupported_clause() {
        return fail_at(cur().pos, "Unsupported clause: " + upper(cur().text));
    }
    static std::string upper(std::string_view s) {
        std::string out(s);
        for (auto& c : out)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        return out;
    }
    bool at_unsupported_clause() const {
        if (!at(token_kind::identifier)) return false;
        return std::any_of(unsupported_clauses.begin(), unsupported_clauses.end(),
                           [&](std::string_view w) { return iequals(cur().text, w); });
    }

    // ---- names -------------------------------------------------------------------------------

    /// A symbolic name (variable, label, key): any identifier or a backquoted name.
    bool at_name(bool allow_reserved) const {
        if (at(token_kind::quoted_name)) return !cur().text.empty();
        return at(token_kind::identifier) && (allow_reserved || !is_reserved(cur().text));
    }
    bool parse_name(std::string& out, bool allow_reserved = true) {
        if (!at_name(allow_reserved)) return no_viable();
        out = cur().kind == token_kind::quoted_name ? unquote_name(cur().text)
                                                    : std::string(cur().text);
        bump();
        return true;
    }
    /// `:A:B` or, for relationship types, `:T|U` (also `:T|:U`).
    bool parse_labels(std::vector<std::string>& out, bool rel_types) {
        while (at(token_kind::colon)) {
            bump();
            std::string name;
            if (!parse_name(name)) return false;
            out.push_back(std::move(name));
            if (rel_types) {
                while (accept(token_kind::pipe)) {
                    accept(token_kind::colon);
                    if (!parse_name(name)) return false;
                    out.push_back(std::move(name));
                }
                break;
            }
        }
        return true;
    }

    // ---- statements --------------------------------------------------------------------------

    void parse_statement() {
        clause_start_ = i_;
        bool ok = false;
        if (at_kw("CREATE") && is_kw(peek(), "INDEX")) {
            ok = parse_index(false);
        } else if (at_kw("CREATE") && is_kw(peek(), "CONSTRAINT")) {
            ok = parse_constraint(false);
        } else if (at_kw("CREATE") && is_kw(peek(), "USER")) {
            ok = parse_create_user();
        } else if (at_kw("DROP")) {
            if (is_kw(peek(), "INDEX"))
                ok = parse_index(true);
            else if (is_kw(peek(), "CONSTRAINT"))
                ok = parse_constraint(true);
            else if (is_kw(peek(), "USER"))
                ok = parse_drop_user();
            else {
                bump();
                ok = mismatch("{CONSTRAINT, INDEX, USER}");
            }
        } else if (at_kw("SHOW")) {
            ok = parse_show();
        } else if (at_kw("STORAGE")) {
            ok = parse_storage_mode();
        } else if (at_kw("FREE") && is_kw(peek(), "MEMORY")) {
            bump();
            bump();
            q_.stmt = free_memory_statement{};
            ok = true;
        } else {
            ok = parse_cypher();
        }
        if (!ok) return;
        accept(token_kind::semicolon);
        if (!at(token_kind::end)) {
            if (at_unsupported_clause()) {
                unsupported_clause();
            } else {
                mismatch("<EOF>");
            }
        }
    }

    bool parse_index(bool drop) {
        bump();  // CREATE / DROP
        bump();  // INDEX
        if (!expect_kw("ON")) return false;
        if (!expect(token_kind::colon)) return false;
        index_statement s;
        s.drop = drop;
        if (!parse_name(s.label)) return false;
        if (accept(token_kind::lparen)) {
            std::string prop;
            if (!parse_name(prop)) return false;
            s.property = std::move(prop);
            if (!expect(token_kind::rparen)) return false;
        }
        q_.stmt = std::move(s);
        return true;
    }

    bool parse_constraint(bool drop) {
        bump();  // CREATE / DROP
        bump();  // CONSTRAINT
        constraint_statement s;
        s.drop = drop;
        if (!expect_kw("ON") || !expect(token_kind::lparen)) return false;
        if (!parse_name(s.variable, false)) return false;
        if (!expect(token_kind::colon) || !parse_name(s.label)) return false;
        if (!expect(token_kind::rparen) || !expect_kw("ASSERT")) return false;
        if (accept_kw("EXISTS")) {
            s.kind = constraint_kind::exists;
            if (!expect(token_kind::lparen)) return false;
            if (!parse_constraint_property(s)) return false;
            if (!expect(token_kind::rparen)) return false;
        } else {
            s.kind = constraint_kind::unique;
            do {
                if (!parse_constraint_property(s)) return false;
            } while (accept(token_kind::comma));
            if (!expect_kw("IS") || !expect_kw("UNIQUE")) return false;
        }
        q_.stmt = std::move(s);
        return true;
    }

    bool parse_constraint_property(constraint_statement& s) {
        const source_pos p = cur().pos;
        std::string var, prop;
        if (!parse_name(var, false)) return false;
        if (var != s.variable) return fail_at(p, "Unbound variable: " + var + ".");
        if (!expect(token_kind::dot) || !parse_name(prop)) return false;
        s.properties.push_back(std::move(prop));
        return true;
    }

    bool parse_create_user() {
        bump();  // CREATE
        bump();  // USER
        create_user_statement s;
        if (at_kw("IF") && is_kw(peek(), "NOT")) {
            bump();
            bump();
            if (!expect_kw("EXISTS")) return false;
            s.if_not_exists = true;
        }
        if (!parse_name(s.name)) return false;
        if (accept_kw("IDENTIFIED")) {
            if (!expect_kw("BY")) return false;
            if (at(token_kind::string)) {
                s.password = unescape(cur().text);
                bump();
            } else if (at_kw("NULL")) {
                bump();
            } else {
                return fail_at(cur().pos, "Password should be a string literal or null.");
            }
        }
        q_.stmt = std::move(s);
        return true;
    }

    bool parse_drop_user() {
        bump();  // DROP
        bump();  // USER
        drop_user_statement s;
        if (!parse_name(s.name)) return false;
        q_.stmt = std::move(s);
        return true;
    }

    bool parse_show() {
        bump();  // SHOW
        show_statement s;
        if (accept_kw("INDEX")) {
            s.what = show_kind::index_info;
            if (!expect_kw("INFO")) return false;
        } else if (accept_kw("CONSTRAINT")) {
            s.what = show_kind::constraint_info;
            if (!expect_kw("INFO")) return false;
        } else if (accept_kw("STORAGE")) {
            s.what = show_kind::storage_info;
            if (!expect_kw("INFO")) return false;
        } else if (accept_kw("USERS")) {
            s.what = show_kind::users;
        } else {
            return mismatch("{CONSTRAINT, INDEX, STORAGE, USERS}");
        }
        q_.stmt = s;
        return true;
    }

    bool parse_storage_mode() {
        bump();  // STORAGE
        if (!expect_kw("MODE")) return false;
        storage_mode_statement s;
        if (accept_kw("IN_MEMORY_ANALYTICAL")) {
            s.mode = storage_mode::in_memory_analytical;
        } else if (accept_kw("IN_MEMORY_TRANSACTIONAL")) {
            s.mode = storage_mode::in_memory_transactional;
        } else {
            return mismatch("{IN_MEMORY_ANALYTICAL, IN_MEMORY_TRANSACTIONAL}");
        }
        q_.stmt = s;
        return true;
    }

    // ---- clauses -----------------------------------------------------------------------------

    bool parse_cypher() {
        cypher_statement s;
        while (!failed()) {
            clause_start_ = i_;
            const source_pos p = cur().pos;
            if (at_kw("MATCH")) {
                bump();
                if (!parse_match(s, false, p)) return false;
            } else if (at_kw("OPTIONAL")) {
                bump();
                if (!expect_kw("MATCH")) return false;
                if (!parse_match(s, true, p)) return false;
            } else if (at_kw("CREATE")) {
                bump();
                create_clause c;
                c.pos = p;
                if (!parse_pattern(c.patterns)) return false;
                s.clauses.emplace_back(std::move(c));
            } else if (at_kw("MERGE")) {
                bump();
                if (!parse_merge(s, p)) return false;
            } else if (at_kw("SET")) {
                bump();
                set_clause c;
                c.pos = p;
                if (!parse_set_items(c.items)) return false;
                s.clauses.emplace_back(std::move(c));
            } else if (at_kw("REMOVE")) {
                bump();
                if (!parse_remove(s, p)) return false;
            } else if (at_kw("DETACH")) {
                bump();
                if (!expect_kw("DELETE")) return false;
                if (!parse_delete(s, true, p)) return false;
            } else if (at_kw("DELETE")) {
                bump();
                if (!parse_delete(s, false, p)) return false;
            } else if (at_kw("UNWIND")) {
                bump();
                unwind_clause c;
                c.pos = p;
                c.list = parse_expression();
                if (c.list == no_expr) return false;
                if (!expect_kw("AS") || !parse_name(c.alias, false)) return false;
                s.clauses.emplace_back(std::move(c));
            } else if (at_kw("WITH")) {
                bump();
                with_clause c;
                c.pos = p;
                if (!parse_projection(c.body)) return false;
                if (accept_kw("WHERE")) {
                    c.where = parse_expression();
                    if (c.where == no_expr) return false;
                }
                s.clauses.emplace_back(std::move(c));
            } else if (at_kw("RETURN")) {
                bump();
                return_clause c;
                c.pos = p;
                if (!parse_projection(c.body)) return false;
                s.clauses.emplace_back(std::move(c));
            } else {
                break;
            }
        }
        if (failed()) return false;
        if (s.clauses.empty()) {
            if (at_unsupported_clause()) return unsupported_clause();
            return mismatch(statement_start_set);
        }
        if (!at(token_kind::end) && !at(token_kind::semicolon) && !at_unsupported_clause()) {
            return mismatch(std::string("{<EOF>, ';', ") + std::string(clause_start_set.substr(1)));
        }
        q_.stmt = std::move(s);
        return true;
    }

    bool parse_match(cypher_statement& s, bool optional, source_pos p) {
        match_clause c;
        c.optional = optional;
        c.pos = p;
        if (!parse_pattern(c.patterns)) return false;
        if (accept_kw("WHERE")) {
            c.where = parse_expression();
            if (c.where == no_expr) return false;
        }
        s.clauses.emplace_back(std::move(c));
        return true;
    }

    bool parse_merge(cypher_statement& s, source_pos p) {
        merge_clause c;
        c.pos = p;
        if (!parse_pattern_part(c.pattern)) return false;
        while (at_kw("ON")) {
            bump();
            std::vector<set_item>* target = nullptr;
            if (accept_kw("CREATE"))
                target = &c.on_create;
            else if (accept_kw("MATCH"))
                target = &c.on_match;
            else
                return mismatch("{CREATE, MATCH}");
            if (!expect_kw("SET")) return false;
            if (!parse_set_items(*target)) return false;
        }
        s.clauses.emplace_back(std::move(c));
        return true;
    }

    bool parse_set_items(std::vector<set_item>& items) {
        do {
            set_item it;
            it.pos = cur().pos;
            std::string var;
            if (!parse_name(var, false)) return false;
            if (at(token_kind::dot)) {
                const expr_id target = parse_property_chain(var, it.pos);
                if (target == no_expr) return false;
                it.kind = set_kind::property;
                it.target = target;
                if (!expect(token_kind::eq)) return false;
            } else if (accept(token_kind::eq)) {
                it.kind = set_kind::replace;
                it.variable = std::move(var);
            } else if (accept(token_kind::plus_eq)) {
                it.kind = set_kind::merge;
                it.variable = std::move(var);
            } else if (at(token_kind::colon)) {
                it.kind = set_kind::labels;
                it.variable = std::move(var);
                if (!parse_labels(it.labels, false)) return false;
                items.push_back(std::move(it));
                continue;
            } else {
                return mismatch("{'.', ':', '=', '+='}");
            }
            it.value = parse_expression();
            if (it.value == no_expr) return false;
            items.push_back(std::move(it));
        } while (accept(token_kind::comma));
        return true;
    }

    /// var.k1.k2...: the property expression a SET or REMOVE item names.
    expr_id parse_property_chain(std::string var, source_pos p) {
        expr v;
        v.kind = expr_kind::variable;
        v.pos = p;
        v.name = std::move(var);
        expr_id e = add(std::move(v));
        while (at(token_kind::dot)) {
            const source_pos dot_pos = cur().pos;
            bump();
            expr pe;
            pe.kind = expr_kind::property;
            pe.pos = dot_pos;
            pe.a = e;
            if (!parse_name(pe.name)) return no_expr;
            e = add(std::move(pe));
        }
        return e;
    }

    bool parse_remove(cypher_statement& s, source_pos p) {
        remove_clause c;
        c.pos = p;
        do {
            remove_item it;
            it.pos = cur().pos;
            std::string var;
            if (!parse_name(var, false)) return false;
            if (at(token_kind::dot)) {
                it.kind = remove_kind::property;
                it.target = parse_property_chain(var, it.pos);
                if (it.target == no_expr) return false;
            } else if (at(token_kind::colon)) {
                it.kind = remove_kind::labels;
                it.variable = std::move(var);
                if (!parse_labels(it.labels, false)) return false;
            } else {
                return mismatch("{'.', ':'}");
            }
            c.items.push_back(std::move(it));
        } while (accept(token_kind::comma));
        s.clauses.emplace_back(std::move(c));
        return true;
    }

    bool parse_delete(cypher_statement& s, bool detach, source_pos p) {
        delete_clause c;
        c.detach = detach;
        c.pos = p;
        do {
            const expr_id e = parse_expression();
            if (e == no_expr) return false;
            c.targets.push_back(e);
        } while (accept(token_kind::comma));
        s.clauses.emplace_back(std::move(c));
        return true;
    }

    bool parse_projection(projection& body) {
        if (accept_kw("DISTINCT")) body.distinct = true;
        bool need_item = true;
        if (accept(token_kind::star)) {
            body.star = true;
            need_item = accept(token_kind::comma);
        }
        while (need_item) {
            projection_item item;
            item.pos = cur().pos;
            const std::size_t first_tok = i_;
            item.value = parse_expression();
            if (item.value == no_expr) return false;
            if (accept_kw("AS")) {
                if (!parse_name(item.name, false)) return false;
                item.aliased = true;
            } else {
                // Memgraph names the column after the expression exactly as written.
                const token& last = toks_[i_ - 1];
                const std::size_t begin = toks_[first_tok].pos.offset;
                std::size_t end = last.pos.offset + last.text.size();
                if (last.kind == token_kind::quoted_name) end += 2;
                if (last.kind == token_kind::parameter) end += 1;
                item.name = std::string(text_.substr(begin, end - begin));
            }
            body.items.push_back(std::move(item));
            need_item = accept(token_kind::comma);
        }
        if (at_kw("ORDER")) {
            bump();
            if (!expect_kw("BY")) return false;
            do {
                sort_item si;
                si.value = parse_expression();
                if (si.value == no_expr) return false;
                if (accept_kw("DESC") || accept_kw("DESCENDING"))
                    si.descending = true;
                else if (accept_kw("ASC") || accept_kw("ASCENDING"))
                    si.descending = false;
                body.order_by.push_back(si);
            } while (accept(token_kind::comma));
        }
        if (accept_kw("SKIP")) {
            body.skip = parse_expression();
            if (body.skip == no_expr) return false;
        }
        if (accept_kw("LIMIT")) {
            body.limit = parse_expression();
            if (body.limit == no_expr) return false;
        }
        return true;
    }

    // ---- patterns ----------------------------------------------------------------------------

    bool parse_pattern(pattern& out) {
        do {
            pattern_part part;
            if (!parse_pattern_part(part)) return false;
            out.push_back(std::move(part));
        } while (accept(token_kind::comma));
        return true;
    }

    bool parse_pattern_part(pattern_part& part) {
        part.pos = cur().pos;
        if (at_name(false) && peek().kind == token_kind::eq) {
            if (!parse_name(part.path_variable, false)) return false;
            bump();  // '='
        }
        node_pattern first;
        if (!parse_node(first)) return false;
        part.nodes.push_back(std::move(first));
        while (at(token_kind::minus) || at(token_kind::lt)) {
            rel_pattern rel;
            if (!parse_rel(rel)) return false;
            node_pattern next;
            if (!parse_node(next)) return false;
            part.rels.push_back(std::move(rel));
            part.nodes.push_back(std::move(next));
        }
        return true;
    }

    bool parse_node(node_pattern& n) {
        n.pos = cur().pos;
        if (!at(token_kind::lparen)) return no_viable();
        bump();
        if (at_name(false)) parse_name(n.variable, false);
        if (!parse_labels(n.labels, false)) return false;
        if (!parse_pattern_properties(n.properties)) return false;
        if (!at(token_kind::rparen)) return no_viable();
        bump();
        return true;
    }

    bool parse_pattern_properties(expr_id& out) {
        if (at(token_kind::lbrace) || at(token_kind::parameter)) {
            depth_guard g(*this);
            if (!g.ok()) return false;
            out = parse_atom();
            return out != no_expr;
        }
        return true;
    }

    bool parse_rel(rel_pattern& r) {
        r.pos = cur().pos;
        const bool left = accept(token_kind::lt);
        if (!at(token_kind::minus)) return no_viable();
        bump();
        if (accept(token_kind::lbracket)) {
            if (at_name(false)) parse_name(r.variable, false);
            if (!parse_labels(r.types, true)) return false;
            if (accept(token_kind::star)) {
                r.variable_length = true;
                if (at(token_kind::integer)) {
                    r.min_hops = parse_hops();
                    if (failed()) return false;
                }
                if (accept(token_kind::dotdot)) {
                    if (at(token_kind::integer)) {
                        r.max_hops = parse_hops();
                        if (failed()) return false;
                    }
                } else {
                    r.max_hops = r.min_hops;  // *3 means exactly three hops
                }
            }
            if (!parse_pattern_properties(r.properties)) return false;
            if (!at(token_kind::rbracket)) return no_viable();
            bump();
        }
        if (!at(token_kind::minus)) return no_viable();
        bump();
        const bool right = accept(token_kind::gt);
        r.dir = left == right ? direction::both : (left ? direction::left : direction::right);
        return true;
    }

    std::int64_t parse_hops() {
        std::int64_t v = 0;
        const auto t = cur().text;
        if (std::from_chars(t.data(), t.data() + t.size(), v).ptr != t.data() + t.size()) {
            fail_at(cur().pos, "Integer literal exceeds 64 bits.");
        }
        bump();
        return v;
    }

    // ---- expressions -------------------------------------------------------------------------

    /// Counts live nesting levels; refuses to go deeper than max_nesting_depth.
    class depth_guard {
    public:
        explicit depth_guard(parser& p) : p_(p) {
            if (++p_.depth_ > max_nesting_depth) {
                p_.fail_at(p_.cur().pos, "query nested too deeply");
                ok_ = false;
            }
        }
        ~depth_guard() { --p_.depth_; }
        depth_guard(const depth_guard&) = delete;
        depth_guard& operator=(const depth_guard&) = delete;
        bool ok() const { return ok_; }

    private:
        parser& p_;
        bool ok_ = true;
    };

    expr_id add(expr e) {
        q_.exprs.push_back(std::move(e));
        return static_cast<expr_id>(q_.exprs.size() - 1);
    }
    expr_id binary(op o, expr_id a, expr_id b, source_pos p) {
        expr e;
        e.kind = expr_kind::binary;
        e.oper = o;
        e.a = a;
        e.b = b;
        e.pos = p;
        return add(std::move(e));
    }
    expr_id unary(op o, expr_id a, source_pos p) {
        expr e;
        e.kind = expr_kind::unary;
        e.oper = o;
        e.a = a;
        e.pos = p;
        return add(std::move(e));
    }
    expr_range push_list(const std::vector<expr_id>& ids) {
        expr_range r{static_cast<std::uint32_t>(q_.expr_lists.size()),
                     static_cast<std::uint32_t>(ids.size())};
        q_.expr_lists.insert(q_.expr_lists.end(), ids.begin(), ids.end());
        return r;
    }
    expr_range push_keys(std::vector<std::string>& keys) {
        expr_range r{static_cast<std::uint32_t>(q_.map_keys.size()),
                     static_cast<std::uint32_t>(keys.size())};
        for (auto& k : keys) q_.map_keys.push_back(std::move(k));
        return r;
    }

    expr_id parse_expression() {
        depth_guard g(*this);
        if (!g.ok()) return no_expr;
        return parse_or();
    }

    expr_id parse_or() {
        expr_id x = parse_xor();
        while (x != no_expr && at_kw("OR")) {
            const source_pos p = cur().pos;
            bump();
            const expr_id y = parse_xor();
            if (y == no_expr) return no_expr;
            x = binary(op::logical_or, x, y, p);
        }
        return x;
    }

    expr_id parse_xor() {
        expr_id x = parse_and();
        while (x != no_expr && at_kw("XOR")) {
            const source_pos p = cur().pos;
            bump();
            const expr_id y = parse_and();
            if (y == no_expr) return no_expr;
            x = binary(op::logical_xor, x, y, p);
        }
        return x;
    }

    expr_id parse_and() {
        expr_id x = parse_not();
        while (x != no_expr && at_kw("AND")) {
            const source_pos p = cur().pos;
            bump();
            const expr_id y = parse_not();
            if (y == no_expr) return no_expr;
            x = binary(op::logical_and, x, y, p);
        }
        return x;
    }

    expr_id parse_not() {
        std::vector<source_pos> nots;  // a loop, not recursion: NOT NOT ... cannot blow the stack
        while (at_kw("NOT")) {
            nots.push_back(cur().pos);
            bump();
        }
        expr_id x = parse_comparison();
        for (auto it = nots.rbegin(); x != no_expr && it != nots.rend(); ++it)
            x = unary(op::logical_not, x, *it);
        return x;
    }

    static op comparison_op(token_kind k) {
        switch (k) {
            case token_kind::eq:
                return op::eq;
            case token_kind::ne:
                return op::ne;
            case token_kind::lt:
                return op::lt;
            case token_kind::le:
                return op::le;
            case token_kind::gt:
                return op::gt;
            case token_kind::ge:
                return op::ge;
            default:
                return op::none;
        }
    }

    /// a < b <= c means (a < b) AND (b <= c), as openCypher says; b is shared, not copied.
    expr_id parse_comparison() {
        expr_id left = parse_additive();
        if (left == no_expr) return no_expr;
        expr_id result = no_expr;
        while (comparison_op(cur().kind) != op::none) {
            const op o = comparison_op(cur().kind);
            const source_pos p = cur().pos;
            bump();
            const expr_id right = parse_additive();
            if (right == no_expr) return no_expr;
            const expr_id cmp = binary(o, left, right, p);
            result = result == no_expr ? cmp : binary(op::logical_and, result, cmp, p);
            left = right;
        }
        return result == no_expr ? left : result;
    }

    expr_id parse_additive() {
        expr_id x = parse_multiplicative();
        while (x != no_expr && (at(token_kind::plus) || at(token_kind::minus))) {
            const op o = at(token_kind::plus) ? op::add : op::sub;
            const source_pos p = cur().pos;
            bump();
            const expr_id y = parse_multiplicative();
            if (y == no_expr) return no_expr;
            x = binary(o, x, y, p);
        }
        return x;
    }

    expr_id parse_multiplicative() {
        expr_id x = parse_power();
        while (x != no_expr &&
               (at(token_kind::star) || at(token_kind::slash) || at(token_kind::percent))) {
            const op o = at(token_kind::star) ? op::mul : at(token_kind::slash) ? op::div : op::mod;
            const source_pos p = cur().pos;
            bump();
            const expr_id y = parse_power();
            if (y == no_expr) return no_expr;
            x = binary(o, x, y, p);
        }
        return x;
    }

    /// openCypher 9 makes ^ left-associative and binds unary minus tighter: -2^2 is 4.
    expr_id parse_power() {
        expr_id x = parse_unary();
        while (x != no_expr && at(token_kind::caret)) {
            const source_pos p = cur().pos;
            bump();
            const expr_id y = parse_unary();
            if (y == no_expr) return no_expr;
            x = binary(op::pow, x, y, p);
        }
        return x;
    }

    expr_id parse_unary() {
        std::vector<std::pair<op, source_pos>> signs;
        while (at(token_kind::plus) || at(token_kind::minus)) {
            signs.emplace_back(at(token_kind::plus) ? op::unary_plus : op::negate, cur().pos);
            bump();
        }
        expr_id x = no_expr;
        // -9223372036854775808 is the one integer literal that only exists negated.
        if (!signs.empty() && signs.back().first == op::negate && at(token_kind::integer) &&
            cur().text == "9223372036854775808" && !starts_postfix(peek())) {
            expr e;
            e.kind = expr_kind::literal;
            e.pos = signs.back().second;
            e.value = bolt::value(std::numeric_limits<std::int64_t>::min());
            bump();
            signs.pop_back();
            x = add(std::move(e));
        } else {
            x = parse_predicates();
        }
        for (auto it = signs.rbegin(); x != no_expr && it != signs.rend(); ++it)
            x = unary(it->first, x, it->second);
        return x;
    }

    static bool starts_postfix(const token& t) {
        return t.kind == token_kind::dot || t.kind == token_kind::lbracket ||
               t.kind == token_kind::colon || is_kw(t, "IS") || is_kw(t, "IN") ||
               is_kw(t, "STARTS") || is_kw(t, "ENDS") || is_kw(t, "CONTAINS");
    }

    /// String, list and null predicates bind tighter than arithmetic in openCypher 9.
    expr_id parse_predicates() {
        expr_id x = parse_postfix();
        while (x != no_expr) {
            const source_pos p = cur().pos;
            op o = op::none;
            if (at_kw("STARTS") && is_kw(peek(), "WITH")) {
                bump();
                o = op::starts_with;
            } else if (at_kw("ENDS") && is_kw(peek(), "WITH")) {
                bump();
                o = op::ends_with;
            } else if (at_kw("CONTAINS")) {
                o = op::contains;
            } else if (at_kw("IN")) {
                o = op::in_list;
            } else if (at_kw("IS")) {
                bump();
                expr e;
                e.kind = expr_kind::is_null;
                e.pos = p;
                e.a = x;
                e.negated = accept_kw("NOT");
                if (!expect_kw("NULL")) return no_expr;
                x = add(std::move(e));
                continue;
            } else {
                break;
            }
            bump();
            const expr_id y = parse_postfix();
            if (y == no_expr) return no_expr;
            x = binary(o, x, y, p);
        }
        return x;
    }

    expr_id parse_postfix() {
        expr_id x = parse_atom();
        while (x != no_expr) {
            const source_pos p = cur().pos;
            if (at(token_kind::dot)) {
                bump();
                expr e;
                e.kind = expr_kind::property;
                e.pos = p;
                e.a = x;
                if (!parse_name(e.name)) return no_expr;
                x = add(std::move(e));
            } else if (at(token_kind::lbracket)) {
                bump();
                depth_guard g(*this);
                if (!g.ok()) return no_expr;
                expr e;
                e.pos = p;
                e.a = x;
                if (!at(token_kind::dotdot)) {
                    e.b = parse_expression();
                    if (e.b == no_expr) return no_expr;
                }
                if (accept(token_kind::dotdot)) {
                    e.kind = expr_kind::slice;
                    if (!at(token_kind::rbracket)) {
                        e.c = parse_expression();
                        if (e.c == no_expr) return no_expr;
                    }
                } else {
                    e.kind = expr_kind::index;
                }
                if (!expect(token_kind::rbracket)) return no_expr;
                x = add(std::move(e));
            } else if (at(token_kind::colon) && (peek().kind == token_kind::identifier ||
                                                 peek().kind == token_kind::quoted_name)) {
                std::vector<std::string> labels;
                if (!parse_labels(labels, false)) return no_expr;
                expr e;
                e.kind = expr_kind::has_labels;
                e.pos = p;
                e.a = x;
                e.keys = push_keys(labels);
                x = add(std::move(e));
                break;
            } else {
                break;
            }
        }
        return x;
    }

    expr_id literal(bolt::value v, source_pos p) {
        expr e;
        e.kind = expr_kind::literal;
        e.pos = p;
        e.value = std::move(v);
        return add(std::move(e));
    }

    expr_id parse_integer() {
        const token& t = cur();
        std::string_view digits = t.text;
        int base = 10;
        if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
            base = 16;
            digits.remove_prefix(2);
        } else if (digits.size() > 2 && digits[0] == '0' &&
                   (digits[1] == 'o' || digits[1] == 'O')) {
            base = 8;
            digits.remove_prefix(2);
        }
        std::int64_t v = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
        if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size()) {
            fail_at(t.pos, "Integer literal exceeds 64 bits.");
            return no_expr;
        }
        bump();
        return literal(bolt::value(v), t.pos);
    }

    expr_id parse_float() {
        const token& t = cur();
        double v = 0;
        const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (r.ec != std::errc{} || r.ptr != t.text.data() + t.text.size()) {
            fail_at(t.pos, "Floating point literal out of range.");
            return no_expr;
        }
        bump();
        return literal(bolt::value(v), t.pos);
    }

    expr_id parse_atom() {
        const token& t = cur();
        switch (t.kind) {
            case token_kind::integer:
                return parse_integer();
            case token_kind::floating:
                return parse_float();
            case token_kind::string: {
                bump();
                return literal(bolt::value(unescape(t.text)), t.pos);
            }
            case token_kind::parameter: {
                bump();
                expr e;
                e.kind = expr_kind::parameter;
                e.pos = t.pos;
                e.name = std::string(t.text);
                if (std::find(q_.parameters.begin(), q_.parameters.end(), e.name) ==
                    q_.parameters.end())
                    q_.parameters.push_back(e.name);
                return add(std::move(e));
            }
            case token_kind::lparen: {
                bump();
                const expr_id inner = parse_expression();
                if (inner == no_expr) return no_expr;
                if (!at(token_kind::rparen)) {
                    no_viable();
                    return no_expr;
                }
                bump();
                return inner;
            }
            case token_kind::lbracket:
                return parse_list();
            case token_kind::lbrace:
                return parse_map();
            case token_kind::quoted_name: {
                if (t.text.empty()) break;
                if (peek().kind == token_kind::lparen) return parse_call();
                expr e;
                e.kind = expr_kind::variable;
                e.pos = t.pos;
                e.name = unquote_name(t.text);
                bump();
                return add(std::move(e));
            }
            case token_kind::identifier: {
                if (iequals(t.text, "TRUE")) {
                    bump();
                    return literal(bolt::value(true), t.pos);
                }
                if (iequals(t.text, "FALSE")) {
                    bump();
                    return literal(bolt::value(false), t.pos);
                }
                if (iequals(t.text, "NULL")) {
                    bump();
                    return literal(bolt::value(), t.pos);
                }
                if (iequals(t.text, "CASE")) return parse_case();
                if (peek().kind == token_kind::lparen) {
                    if (iequals(t.text, "COUNT") && peek(2).kind == token_kind::star) {
                        bump();
                        bump();
                        bump();
                        if (!expect(token_kind::rparen)) return no_expr;
                        expr e;
                        e.kind = expr_kind::count_star;
                        e.agg = aggregate::count;
                        e.pos = t.pos;
                        return add(std::move(e));
                    }
                    if (!is_reserved(t.text)) return parse_call();
                }
                if (is_reserved(t.text)) break;
                expr e;
                e.kind = expr_kind::variable;
                e.pos = t.pos;
                e.name = std::string(t.text);
                bump();
                return add(std::move(e));
            }
            default:
                break;
        }
        no_viable();
        return no_expr;
    }

    static aggregate aggregate_of(std::string_view name) {
        if (iequals(name, "COUNT")) return aggregate::count;
        if (iequals(name, "SUM")) return aggregate::sum;
        if (iequals(name, "MIN")) return aggregate::min;
        if (iequals(name, "MAX")) return aggregate::max;
        if (iequals(name, "AVG")) return aggregate::avg;
        if (iequals(name, "COLLECT")) return aggregate::collect;
        return aggregate::none;
    }

    expr_id parse_call() {
        const token& t = cur();
        expr e;
        e.kind = expr_kind::function;
        e.pos = t.pos;
        e.name = t.kind == token_kind::quoted_name ? unquote_name(t.text) : std::string(t.text);
        e.agg = aggregate_of(e.name);
        bump();  // name
        bump();  // '('
        if (accept_kw("DISTINCT")) e.distinct = true;
        std::vector<expr_id> args;
        if (!at(token_kind::rparen)) {
            do {
                const expr_id a = parse_expression();
                if (a == no_expr) return no_expr;
                args.push_back(a);
            } while (accept(token_kind::comma));
        }
        if (!at(token_kind::rparen)) {
            no_viable();
            return no_expr;
        }
        bump();
        e.items = push_list(args);
        return add(std::move(e));
    }

    expr_id parse_list() {
        expr e;
        e.kind = expr_kind::list;
        e.pos = cur().pos;
        bump();  // '['
        std::vector<expr_id> items;
        if (!at(token_kind::rbracket)) {
            do {
                const expr_id a = parse_expression();
                if (a == no_expr) return no_expr;
                items.push_back(a);
            } while (accept(token_kind::comma));
        }
        if (!at(token_kind::rbracket)) {
            no_viable();
            return no_expr;
        }
        bump();
        e.items = push_list(items);
        return add(std::move(e));
    }

    expr_id parse_map() {
        expr e;
        e.kind = expr_kind::map;
        e.pos = cur().pos;
        bump();  // '{'
        std::vector<expr_id> values;
        std::vector<std::string> keys;
        if (!at(token_kind::rbrace)) {
            do {
                std::string key;
                if (!parse_name(key)) return no_expr;
                if (!expect(token_kind::colon)) return no_expr;
                const expr_id v = parse_expression();
                if (v == no_expr) return no_expr;
                keys.push_back(std::move(key));
                values.push_back(v);
            } while (accept(token_kind::comma));
        }
        if (!at(token_kind::rbrace)) {
            no_viable();
            return no_expr;
        }
        bump();
        e.items = push_list(values);
        e.keys = push_keys(keys);
        return add(std::move(e));
    }

    expr_id parse_case() {
        expr e;
        e.kind = expr_kind::case_expr;
        e.pos = cur().pos;
        bump();  // CASE
        if (!at_kw("WHEN")) {
            e.a = parse_expression();
            if (e.a == no_expr) return no_expr;
        }
        std::vector<expr_id> arms;
        if (!at_kw("WHEN")) {
            mismatch("WHEN");
            return no_expr;
        }
        while (accept_kw("WHEN")) {
            const expr_id when = parse_expression();
            if (when == no_expr) return no_expr;
            if (!expect_kw("THEN")) return no_expr;
            const expr_id then = parse_expression();
            if (then == no_expr) return no_expr;
            arms.push_back(when);
            arms.push_back(then);
        }
        if (accept_kw("ELSE")) {
            e.c = parse_expression();
            if (e.c == no_expr) return no_expr;
        }
        if (!expect_kw("END")) return no_expr;
        e.items = push_list(arms);
        return add(std::move(e));
    }

    std::string_view text_;
    const std::vector<token>& toks_;
    std::size_t i_ = 0;
    std::size_t clause_start_ = 0;
    std::size_t depth_ = 0;
    query q_;
    std::optional<syntax_error> err_;
};

}  // namespace

parse_result parse(std::string_view text) {
    std::vector<token> tokens;
    std::optional<lex_error> lex_err;
    if (!tokenize(text, tokens, lex_err)) {
        return syntax_error{lex_err->pos.line, lex_err->pos.column, std::move(lex_err->message)};
    }
    return parser(text, tokens).run();
}

}  // namespace server::cypher
