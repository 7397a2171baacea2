// A Boost.JSON basic_parser handler that builds the same DOM as boost::json::parse and
// also remembers the keys of every open object, so a duplicate is refused instead of
// silently overwritten.
#include "server/strict_json.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <string>
#include <vector>

#include "core/assert.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {

// The first key that appears twice, or nullptr. Small objects (every request body) are
// checked pairwise in place; large ones are sorted first, so a hostile object with
// 100,000 keys costs O(n log n), not O(n²).
const std::string* find_duplicate(std::vector<std::string>& keys) {
  constexpr size_t kPairwiseKeysMax = 16;
  if (keys.size() > kPairwiseKeysMax) {
    std::sort(keys.begin(), keys.end());
    auto found = std::adjacent_find(keys.begin(), keys.end());
    return found == keys.end() ? nullptr : &*found;
  }
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    for (size_t j = i + 1; j < keys.size(); ++j) {
      if (keys[i] == keys[j]) return &keys[i];
    }
  }
  return nullptr;
}

class StrictHandler {
 public:
  static constexpr size_t max_object_size = json::object::max_size();
  static constexpr size_t max_array_size = json::array::max_size();
  static constexpr size_t max_key_size = json::string::max_size();
  static constexpr size_t max_string_size = json::string::max_size();

  explicit StrictHandler(json::storage_ptr storage) : stack(std::move(storage)) {}

  json::value_stack stack;
  std::string duplicate_key;  // set when parsing stopped on a duplicate

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    if (open_objects_ == keys_.size()) keys_.emplace_back();
    keys_[open_objects_].clear();
    ++open_objects_;
    return true;
  }
  bool on_object_end(size_t count, json::error_code& error) {
    LC_ASSERT(open_objects_ > 0);
    std::vector<std::string>& keys = keys_[--open_objects_];
    LC_ASSERT(keys.size() == count);
    if (const std::string* duplicate = find_duplicate(keys)) duplicate_key = *duplicate;
    if (!duplicate_key.empty()) {
      error = json::error::syntax;
      return false;
    }
    stack.push_object(count);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(size_t count, json::error_code&) {
    stack.push_array(count);
    return true;
  }
  bool on_key_part(json::string_view part, size_t, json::error_code&) {
    partial_key_.append(part.data(), part.size());
    stack.push_chars(part);
    return true;
  }
  bool on_key(json::string_view last, size_t, json::error_code&) {
    LC_ASSERT(open_objects_ > 0);
    partial_key_.append(last.data(), last.size());
    keys_[open_objects_ - 1].push_back(std::move(partial_key_));
    partial_key_.clear();
    stack.push_key(last);
    return true;
  }
  bool on_string_part(json::string_view part, size_t, json::error_code&) {
    stack.push_chars(part);
    return true;
  }
  bool on_string(json::string_view last, size_t, json::error_code&) {
    stack.push_string(last);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t value, json::string_view, json::error_code&) {
    stack.push_int64(value);
    return true;
  }
  bool on_uint64(uint64_t value, json::string_view, json::error_code&) {
    stack.push_uint64(value);
    return true;
  }
  bool on_double(double value, json::string_view, json::error_code&) {
    stack.push_double(value);
    return true;
  }
  bool on_bool(bool value, json::error_code&) {
    stack.push_bool(value);
    return true;
  }
  bool on_null(json::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::vector<std::vector<std::string>> keys_;  // one list per open object, reused
  size_t open_objects_ = 0;
  std::string partial_key_;
};

}  // namespace

Result<json::value> parse_json_strict(std::string_view text, size_t depth_max) {
  json::parse_options options;
  options.max_depth = depth_max;
  json::basic_parser<StrictHandler> parser(options, json::storage_ptr());
  parser.handler().stack.reset();
  json::error_code error;
  size_t used = parser.write_some(false, text.data(), text.size(), error);
  if (!error && used != text.size()) error = json::error::extra_data;
  if (!parser.handler().duplicate_key.empty()) {
    return fail(ErrorCode::invalid_argument, parser.handler().duplicate_key,
                "duplicate key \"" + parser.handler().duplicate_key +
                    "\": each member may appear once in an object");
  }
  if (error) return fail(ErrorCode::invalid_argument, "body", "malformed JSON: " + error.message());
  return parser.handler().stack.release();
}

}  // namespace livechain::server
