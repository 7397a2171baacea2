// src/twin/model.hpp — internal: the twin's brand, network and run state.
// Not part of the public API (twin.hpp); shared by simulator.cpp and output.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/types.hpp"
#include "twin/twin.hpp"

namespace livechain::twin {

enum class Category : uint8_t { beauty, apparel, food, electronics, home };
inline constexpr size_t kCategories = 5;

struct CategoryInfo {
  const char* name;
  double price_cny_lo;
  double price_cny_hi;
  double cost_share;    // unit cost / list price at material_price_factor 1
  double return_rate;   // share of orders returned (10–35%)
  int shelf_life_days;  // 0: not perishable
};
inline constexpr std::array<CategoryInfo, kCategories> kCategoryInfo = {{
    {"beauty", 59, 399, 0.35, 0.12, 0},
    {"apparel", 79, 499, 0.40, 0.35, 0},
    {"food", 19, 129, 0.55, 0.10, 180},
    {"electronics", 199, 2999, 0.65, 0.15, 0},
    {"home", 39, 599, 0.45, 0.18, 0},
}};

struct Sku {
  std::string gtin;  // GTIN-14 as the engine stores it
  std::string name;
  std::string variant;  // size/colour for apparel, empty otherwise
  Category category = Category::beauty;
  double price_cny = 0;
  double cost_cny = 0;
  double return_rate = 0;
};

inline constexpr size_t kRegions = kRegionCount;
inline constexpr std::array<const char*, kRegions> kRegionNames = {"north", "east", "south", "west",
                                                                   "central"};
// Road distance (km), symmetric.
inline constexpr std::array<std::array<uint32_t, kRegions>, kRegions> kDistanceKm = {{
    {0, 1100, 2100, 1600, 700},
    {1100, 0, 1300, 2000, 900},
    {2100, 1300, 0, 1500, 1000},
    {1600, 2000, 1500, 0, 1200},
    {700, 900, 1000, 1200, 0},
}};
// Carrier lane delay rate by destination region (1 = typical).
inline constexpr std::array<double, kRegions> kLaneDelayRate = {1.0, 0.8, 0.9, 1.6, 1.0};
// Where buyers live (share of orders).
inline constexpr std::array<double, kRegions> kBuyerRegionMix = {0.20, 0.35, 0.25, 0.08, 0.12};

struct Location {
  std::string id;
  engine::LocationKind kind;
  uint32_t region;
};

}  // namespace livechain::twin
