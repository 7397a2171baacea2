// src/forecast/gbm.hpp — a global gradient-boosted model through the XGBoost C API.
//
// GbmModel owns one XGBoost booster (RAII: freed in the destructor, movable, not
// copyable). Training is deterministic: one thread, a fixed seed (printed by callers
// that report results), no row/column subsampling unless asked for, and then driven by
// the same seed. Errors are values: invalid_argument naming the field for bad input,
// io_error/corruption naming the file for save/load, invalid_state when XGBoost itself
// reports an error (its message is in `detail`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace livechain::forecast {

inline constexpr size_t kGbmRowsMax = 10'000'000;
inline constexpr size_t kGbmFeaturesMax = 1'000;
inline constexpr int kGbmRoundsMax = 20'000;
inline constexpr int kGbmFormatVersion = 1;  // the file header's version (see save())

// A dense row-major feature matrix; NaN marks a missing value.
struct FeatureMatrix {
  std::vector<std::string> names;  // one per column
  std::vector<float> values;       // rows × names.size()
  size_t rows() const { return names.empty() ? 0 : values.size() / names.size(); }
  // Appends one row. REQUIRES: row.size() == names.size().
  void add_row(std::span<const float> row);
};

struct GbmParams {
  std::string objective = "count:poisson";  // or "reg:tweedie"
  double tweedie_variance_power = 1.5;      // used by reg:tweedie only
  int rounds = 300;
  double eta = 0.05;
  int depth_max = 4;
  double child_weight_min = 1.0;
  double lambda = 1.0;
  double subsample = 1.0;
  double colsample = 1.0;
  uint64_t seed = 20260501;
};

class GbmModel {
 public:
  GbmModel(GbmModel&& other) noexcept;
  GbmModel& operator=(GbmModel&& other) noexcept;
  GbmModel(const GbmModel&) = delete;
  GbmModel& operator=(const GbmModel&) = delete;
  ~GbmModel();

  // Fits a model of y on x. `weights` is empty (all 1) or one per row.
  // Errors: "x" (no rows/columns, above the limits, non-finite-and-not-NaN values),
  // "y" (size differs from the rows, negative or non-finite), "weights" (size, < 0),
  // "objective" (not count:poisson / reg:tweedie), "rounds", "eta", "depth_max",
  // "tweedie_variance_power" (outside (1, 2)).
  static Result<GbmModel> fit(const FeatureMatrix& x, std::span<const double> y,
                              std::span<const double> weights, const GbmParams& params);

  // Predicted means (response scale) for each row of x. Errors: "x" when its column
  // names differ from the training ones.
  Result<std::vector<double>> predict(const FeatureMatrix& x) const;

  // Writes "LCGBM <version> <feature count>\n", one feature name per line, then the
  // booster in XGBoost's UBJSON format. load() refuses other versions (corruption).
  Result<void> save(const std::filesystem::path& path) const;
  static Result<GbmModel> load(const std::filesystem::path& path);

  const std::vector<std::string>& feature_names() const { return names_; }

 private:
  GbmModel(void* booster, std::vector<std::string> names);
  void* booster_ = nullptr;  // BoosterHandle
  std::vector<std::string> names_;
};

}  // namespace livechain::forecast
