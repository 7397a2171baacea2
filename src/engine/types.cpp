#include "engine/types.hpp"

#include <array>

namespace livechain::engine {
namespace {
constexpr std::array<std::string_view, 5> kLocationKinds = {"factory", "dc", "front_warehouse",
                                                            "store", "returns_center"};
constexpr std::array<std::string_view, 4> kChannelKinds = {"live_room", "online_shop",
                                                           "offline_store", "community_group"};
constexpr std::array<std::string_view, 4> kStatuses = {"pending", "committed", "released",
                                                       "expired"};
constexpr std::array<std::string_view, 3> kGrades = {"restock", "rework", "scrap"};

template <class Enum, size_t N>
std::optional<Enum> parse(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}
}  // namespace

std::string_view location_kind_name(LocationKind kind) {
  return kLocationKinds[static_cast<size_t>(kind)];
}
std::string_view channel_kind_name(ChannelKind kind) {
  return kChannelKinds[static_cast<size_t>(kind)];
}
std::string_view reservation_status_name(ReservationStatus status) {
  return kStatuses[static_cast<size_t>(status)];
}
std::string_view return_grade_name(ReturnGrade grade) {
  return kGrades[static_cast<size_t>(grade)];
}
std::optional<LocationKind> parse_location_kind(std::string_view text) {
  return parse<LocationKind>(kLocationKinds, text);
}
std::optional<ChannelKind> parse_channel_kind(std::string_view text) {
  return parse<ChannelKind>(kChannelKinds, text);
}
std::optional<ReturnGrade> parse_return_grade(std::string_view text) {
  return parse<ReturnGrade>(kGrades, text);
}

}  // namespace livechain::engine
