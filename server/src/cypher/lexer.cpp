// The Cypher lexer: a hand-written scanner over bytes that tracks line and column as it goes.
#include <server/cypher/lexer.hpp>
#include <string>

namespace server::cypher {

namespace {

constexpr bool is_ident_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
constexpr bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_ident_char(unsigned char c) {
    return is_ident_start(c) || is_digit(c);
}
constexpr bool is_hex(unsigned char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class scanner {
public:
    explicit scanner(std::string_view text) : text_(text) {}

    bool run(std::vector<token>& out, std::optional<lex_error>& error) {
        out.clear();
        out.reserve(text_.size() / 3 + 2);
        while (true) {
            if (!skip_space_and_comments(error)) return false;
            if (i_ >= text_.size()) break;
            token t;
            t.pos = here();
            const std::size_t start = i_;
            const auto c = static_cast<unsigned char>(text_[i_]);
            if (is_ident_start(c)) {
                while (i_ < text_.size() && is_ident_char(byte(i_))) advance();
                t.kind = token_kind::identifier;
                t.text = text_.substr(start, i_ - start);
            } else if (is_digit(c) ||
                       (c == '.' && i_ + 1 < text_.size() && is_digit(byte(i_ + 1)))) {
                lex_number(t);
            } else if (c == '\'' || c == '"') {
                if (!lex_string(t, error)) return false;
            } else if (c == '`') {
                if (!lex_quoted_name(t, error)) return false;
            } else if (c == '$') {
                advance();
                const std::size_t name_start = i_;
                while (i_ < text_.size() && is_ident_char(byte(i_))) advance();
                if (i_ == name_start) return fail(t.pos, "$", error);
                t.kind = token_kind::parameter;
                t.text = text_.substr(name_start, i_ - name_start);
            } else {
                if (!lex_punct(t, error)) return false;
            }
            out.push_back(t);
        }
        token end;
        end.kind = token_kind::end;
        end.pos = here();
        end.text = text_.substr(text_.size());
        out.push_back(end);
        return true;
    }

private:
    unsigned char byte(std::size_t i) const { return static_cast<unsigned char>(text_[i]); }
    source_pos here() const { return {static_cast<std::uint32_t>(i_), line_, column_}; }

    void advance() {
        const auto c = byte(i_++);
        if (c == '\n') {
            ++line_;
            column_ = 1;
        } else if ((c & 0xC0) != 0x80) {  // UTF-8 continuation bytes do not start a column
            ++column_;
        }
    }

    bool fail(source_pos pos, std::string_view what, std::optional<lex_error>& error) {
        std::string shown(what);
        error = lex_error{pos, "line " + std::to_string(pos.line) + ":" +
                                   std::to_string(pos.column - 1) +
                                   " token recognition error at: '" + shown + "'"};
        return false;
    }

    bool skip_space_and_comments(std::optional<lex_error>& error) {
        while (i_ < text_.size()) {
            const auto c = byte(i_);
            if (is_space(c)) {
                advance();
            } else if (c == '/' && i_ + 1 < text_.size() && text_[i_ + 1] == '/') {
                while (i_ < text_.size() && text_[i_] != '\n') advance();
            } else if (c == '/' && i_ + 1 < text_.size() && text_[i_ + 1] == '*') {
                const source_pos start = here();
                const auto close = text_.find("*/", i_ + 2);
                if (close == std::string_view::npos) {
                    return fail(start, text_.substr(i_, 20), error);
                }
                while (i_ < close + 2) advance();
            } else {
                break;
            }
        }
        return true;
    }

    void lex_number(token& t) {
        const std::size_t start = i_;
        t.kind = token_kind::integer;
        if (text_[i_] == '0' && i_ + 2 < text_.size() &&
            (text_[i_ + 1] == 'x' || text_[i_ + 1] == 'X') && is_hex(byte(i_ + 2))) {
            advance();
            advance();
            while (i_ < text_.size() && is_hex(byte(i_))) advance();
        } else if (text_[i_] == '0' && i_ + 2 < text_.size() &&
                   (text_[i_ + 1] == 'o' || text_[i_ + 1] == 'O') && byte(i_ + 2) >= '0' &&
                   byte(i_ + 2) <= '7') {
            advance();
            advance();
            while (i_ < text_.size() && byte(i_) >= '0' && byte(i_) <= '7') advance();
        } else {
            while (i_ < text_.size() && is_digit(byte(i_))) advance();
            // "1..2" is a range, not the float "1." followed by ".2".
            if (i_ + 1 < text_.size() && text_[i_] == '.' && is_digit(byte(i_ + 1))) {
                t.kind = token_kind::floating;
                advance();
                while (i_ < text_.size() && is_digit(byte(i_))) advance();
            }
            if (i_ < text_.size() && (text_[i_] == 'e' || text_[i_] == 'E')) {
                std::size_t j = i_ + 1;
                if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) ++j;
                if (j < text_.size() && is_digit(byte(j))) {
                    t.kind = token_kind::floating;
                    while (i_ < j) advance();
                    while (i_ < text_.size() && is_digit(byte(i_))) advance();
                }
            }
        }
        t.text = text_.substr(start, i_ - start);
    }

    bool lex_string(token& t, std::optional<lex_error>& error) {
        const std::size_t start = i_;
        const char quote = text_[i_];
        advance();
        while (i_ < text_.size() && text_[i_] != quote) {
            if (text_[i_] == '\\' && i_ + 1 < text_.size()) advance();
            advance();
        }
        if (i_ >= text_.size()) return fail(t.pos, text_.substr(start), error);
        advance();
        t.kind = token_kind::string;
        t.text = text_.substr(start, i_ - start);
        return true;
    }

    bool lex_quoted_name(token& t, std::optional<lex_error>& error) {
        const std::size_t start = i_;
        advance();
        while (true) {
            if (i_ >= text_.size()) return fail(t.pos, text_.substr(start), error);
            if (text_[i_] == '`') {
                if (i_ + 1 < text_.size() && text_[i_ + 1] == '`') {  // `` escapes a backquote
                    advance();
                    advance();
                    continue;
                }
                break;
            }
            advance();
        }
        t.kind = token_kind::quoted_name;
        t.text = text_.substr(start + 1, i_ - start - 1);
        advance();
        return true;
    }

    bool lex_punct(token& t, std::optional<lex_error>& error) {
        const std::size_t start = i_;
        const char c = text_[i_];
        const char n = i_ + 1 < text_.size() ? text_[i_ + 1] : '\0';
        std::size_t len = 1;
        switch (c) {
            case '(':
                t.kind = token_kind::lparen;
                break;
            case ')':
                t.kind = token_kind::rparen;
                break;
            case '[':
                t.kind = token_kind::lbracket;
                break;
            case ']':
                t.kind = token_kind::rbracket;
                break;
            case '{':
                t.kind = token_kind::lbrace;
                break;
            case '}':
                t.kind = token_kind::rbrace;
                break;
            case ',':
                t.kind = token_kind::comma;
                break;
            case ':':
                t.kind = token_kind::colon;
                break;
            case ';':
                t.kind = token_kind::semicolon;
                break;
            case '|':
                t.kind = token_kind::pipe;
                break;
            case '=':
                t.kind = token_kind::eq;
                break;
            case '-':
                t.kind = token_kind::minus;
                break;
            case '*':
                t.kind = token_kind::star;
                break;
            case '/':
                t.kind = token_kind::slash;
                break;
            case '%':
                t.kind = token_kind::percent;
                break;
            case '^':
                t.kind = token_kind::caret;
                break;
            case '.':
                if (n == '.') {
                    t.kind = token_kind::dotdot;
                    len = 2;
                } else
                    t.kind = token_kind::dot;
                break;
            case '+':
                if (n == '=') {
                    t.kind = token_kind::plus_eq;
                    len = 2;
                } else
                    t.kind = token_kind::plus;
                break;
            case '<':
                if (n == '=') {
                    t.kind = token_kind::le;
                    len = 2;
                } else if (n == '>') {
                    t.kind = token_kind::ne;
                    len = 2;
                } else
                    t.kind = token_kind::lt;
                break;
            case '>':
                if (n == '=') {
                    t.kind = token_kind::ge;
                    len = 2;
                } else
                    t.kind = token_kind::gt;
                break;
            case '!':
                if (n == '=') {
                    t.kind = token_kind::ne;
                    len = 2;
                    break;
                }
                return fail(t.pos, "!", error);
            default: {
                // Show the whole (possibly multi-byte) character, as ANTLR does.
                std::size_t end = i_ + 1;
                while (end < text_.size() && (byte(end) & 0xC0) == 0x80) ++end;
                return fail(t.pos, text_.substr(i_, end - i_), error);
            }
        }
        for (std::size_t k = 0; k < len; ++k) advance();
        t.text = text_.substr(start, len);
        return true;
    }

    std::string_view text_;
    std::size_t i_ = 0;
    std::uint32_t line_ = 1;
    std::uint32_t column_ = 1;
};

}  // namespace

bool tokenize(std::string_view text, std::vector<token>& out, std::optional<lex_error>& error) {
    return scanner(text).run(out, error);
}

std::string_view to_string(token_kind k) {
    switch (k) {
        case token_kind::end:
            return "<EOF>";
        case token_kind::identifier:
            return "identifier";
        case token_kind::quoted_name:
            return "quoted name";
        case token_kind::integer:
            return "integer";
        case token_kind::floating:
            return "float";
        case token_kind::string:
            return "string";
        case token_kind::parameter:
            return "parameter";
        case token_kind::lparen:
            return "'('";
        case token_kind::rparen:
            return "')'";
        case token_kind::lbracket:
            return "'['";
        case token_kind::rbracket:
            return "']'";
        case token_kind::lbrace:
            return "'{'";
        case token_kind::rbrace:
            return "'}'";
        case token_kind::comma:
            return "','";
        case token_kind::dot:
            return "'.'";
        case token_kind::dotdot:
            return "'..'";
        case token_kind::colon:
            return "':'";
        case token_kind::semicolon:
            return "';'";
        case token_kind::pipe:
            return "'|'";
        case token_kind::eq:
            return "'='";
        case token_kind::ne:
            return "'<>'";
        case token_kind::lt:
            return "'<'";
        case token_kind::le:
            return "'<='";
        case token_kind::gt:
            return "'>'";
        case token_kind::ge:
            return "'>='";
        case token_kind::plus:
            return "'+'";
        case token_kind::plus_eq:
            return "'+='";
        case token_kind::minus:
            return "'-'";
        case token_kind::star:
            return "'*'";
        case token_kind::slash:
            return "'/'";
        case token_kind::percent:
            return "'%'";
        case token_kind::caret:
            return "'^'";
    }
    return "?";
}

}  // namespace server::cypher
