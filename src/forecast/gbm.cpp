// The XGBoost wrapper: every C API call is checked and turned into an Error value;
// DMatrix handles live in a unique_ptr with a deleter, the booster in GbmModel.
#include "forecast/gbm.hpp"

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/assert.hpp"

namespace livechain::forecast {

namespace {

Result<void> check(int status, const char* what) {
  if (status == 0) return {};
  return fail(ErrorCode::invalid_state, "xgboost", fmt::format("{}: {}", what, XGBGetLastError()));
}

struct MatrixFree {
  void operator()(void* handle) const { XGDMatrixFree(handle); }
};
using MatrixPtr = std::unique_ptr<void, MatrixFree>;

Result<MatrixPtr> make_matrix(const FeatureMatrix& x) {
  LC_ASSERT(!x.names.empty() && x.values.size() % x.names.size() == 0);
  DMatrixHandle handle = nullptr;
  auto ok = check(XGDMatrixCreateFromMat(x.values.data(), x.rows(), x.names.size(), NAN, &handle),
                  "XGDMatrixCreateFromMat");
  if (!ok) return std::unexpected(ok.error());
  return MatrixPtr(handle);
}

Result<void> check_matrix(const FeatureMatrix& x) {
  if (x.names.empty() || x.rows() == 0) return fail(ErrorCode::invalid_argument, "x", "empty");
  if (x.names.size() > kGbmFeaturesMax || x.rows() > kGbmRowsMax) {
    return fail(ErrorCode::limit_exceeded, "x", "too many rows or features");
  }
  if (x.values.size() != x.rows() * x.names.size()) {
    return fail(ErrorCode::invalid_argument, "x", "values are not rows × features");
  }
  for (size_t i = 0; i < x.values.size(); ++i) {
    if (std::isinf(x.values[i])) {
      return fail(ErrorCode::invalid_argument, "x",
                  fmt::format("row {} feature {} is infinite", i / x.names.size(),
                              x.names[i % x.names.size()]));
    }
  }
  return {};
}

Result<void> check_fit_input(const FeatureMatrix& x, std::span<const double> y,
                             std::span<const double> weights, const GbmParams& params) {
  if (auto ok = check_matrix(x); !ok) return ok;
  if (y.size() != x.rows()) return fail(ErrorCode::invalid_argument, "y", "one label per row");
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i]) || y[i] < 0) {
      return fail(ErrorCode::invalid_argument, "y", fmt::format("row {}: {}", i, y[i]));
    }
  }
  if (!weights.empty() && weights.size() != y.size()) {
    return fail(ErrorCode::invalid_argument, "weights", "empty or one per row");
  }
  for (double w : weights) {
    if (!std::isfinite(w) || w < 0) return fail(ErrorCode::invalid_argument, "weights", "< 0");
  }
  if (params.objective != "count:poisson" && params.objective != "reg:tweedie") {
    return fail(ErrorCode::invalid_argument, "objective", "count:poisson or reg:tweedie");
  }
  if (params.rounds < 1 || params.rounds > kGbmRoundsMax) {
    return fail(ErrorCode::invalid_argument, "rounds", "within [1, 20000]");
  }
  if (!(params.eta > 0 && params.eta <= 1))
    return fail(ErrorCode::invalid_argument, "eta", "(0,1]");
  if (params.depth_max < 1 || params.depth_max > 16) {
    return fail(ErrorCode::invalid_argument, "depth_max", "within [1, 16]");
  }
  if (!(params.tweedie_variance_power > 1 && params.tweedie_variance_power < 2)) {
    return fail(ErrorCode::invalid_argument, "tweedie_variance_power", "within (1, 2)");
  }
  return {};
}

Result<void> set_params(BoosterHandle booster, const GbmParams& params) {
  const std::vector<std::pair<std::string, std::string>> pairs{
      {"objective", params.objective},
      {"tweedie_variance_power", fmt::format("{}", params.tweedie_variance_power)},
      {"eta", fmt::format("{}", params.eta)},
      {"max_depth", std::to_string(params.depth_max)},
      {"min_child_weight", fmt::format("{}", params.child_weight_min)},
      {"lambda", fmt::format("{}", params.lambda)},
      {"subsample", fmt::format("{}", params.subsample)},
      {"colsample_bytree", fmt::format("{}", params.colsample)},
      {"seed", std::to_string(params.seed)},
      {"nthread", "1"},
      {"tree_method", "hist"},
      {"max_delta_step", "0.7"},
      {"verbosity", "0"}};
  for (const auto& [key, value] : pairs) {
    if (params.objective != "reg:tweedie" && key == "tweedie_variance_power") continue;
    auto ok = check(XGBoosterSetParam(booster, key.c_str(), value.c_str()), "XGBoosterSetParam");
    if (!ok) return ok;
  }
  return {};
}

}  // namespace

void FeatureMatrix::add_row(std::span<const float> row) {
  LC_ASSERT(row.size() == names.size());
  values.insert(values.end(), row.begin(), row.end());
}

GbmModel::GbmModel(void* booster, std::vector<std::string> names)
    : booster_(booster), names_(std::move(names)) {
  LC_ASSERT(booster_ != nullptr);
}

GbmModel::GbmModel(GbmModel&& other) noexcept
    : booster_(std::exchange(other.booster_, nullptr)), names_(std::move(other.names_)) {}

GbmModel& GbmModel::operator=(GbmModel&& other) noexcept {
  if (this != &other) {
    if (booster_ != nullptr) XGBoosterFree(booster_);
    booster_ = std::exchange(other.booster_, nullptr);
    names_ = std::move(other.names_);
  }
  return *this;
}

GbmModel::~GbmModel() {
  if (booster_ != nullptr) XGBoosterFree(booster_);
}

Result<GbmModel> GbmModel::fit(const FeatureMatrix& x, std::span<const double> y,
                               std::span<const double> weights, const GbmParams& params) {
  if (auto ok = check_fit_input(x, y, weights, params); !ok) return std::unexpected(ok.error());
  auto matrix = make_matrix(x);
  if (!matrix) return std::unexpected(matrix.error());
  const std::vector<float> labels(y.begin(), y.end());
  auto ok =
      check(XGDMatrixSetFloatInfo(matrix->get(), "label", labels.data(), labels.size()), "label");
  if (ok && !weights.empty()) {
    const std::vector<float> w(weights.begin(), weights.end());
    ok = check(XGDMatrixSetFloatInfo(matrix->get(), "weight", w.data(), w.size()), "weight");
  }
  if (!ok) return std::unexpected(ok.error());
  DMatrixHandle handles[1] = {matrix->get()};
  BoosterHandle booster = nullptr;
  if (auto created = check(XGBoosterCreate(handles, 1, &booster), "XGBoosterCreate"); !created) {
    return std::unexpected(created.error());
  }
  GbmModel model(booster, x.names);  // owns the booster from here on
  if (auto set = set_params(booster, params); !set) return std::unexpected(set.error());
  for (int round = 0; round < params.rounds; ++round) {
    auto step = check(XGBoosterUpdateOneIter(booster, round, matrix->get()), "update");
    if (!step) return std::unexpected(step.error());
  }
  return model;
}

Result<std::vector<double>> GbmModel::predict(const FeatureMatrix& x) const {
  LC_ASSERT(booster_ != nullptr);
  if (auto ok = check_matrix(x); !ok) return std::unexpected(ok.error());
  if (x.names != names_) {
    return fail(ErrorCode::invalid_argument, "x", "feature names differ from the model's");
  }
  auto matrix = make_matrix(x);
  if (!matrix) return std::unexpected(matrix.error());
  const char* config =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  auto ok =
      check(XGBoosterPredictFromDMatrix(booster_, matrix->get(), config, &shape, &dims, &result),
            "XGBoosterPredictFromDMatrix");
  if (!ok) return std::unexpected(ok.error());
  std::vector<double> predictions(result, result + x.rows());
  LC_ASSERT(predictions.size() == x.rows());
  return predictions;
}

Result<void> GbmModel::save(const std::filesystem::path& path) const {
  LC_ASSERT(booster_ != nullptr);
  bst_ulong length = 0;
  const char* bytes = nullptr;
  auto ok = check(XGBoosterSaveModelToBuffer(booster_, R"({"format": "ubj"})", &length, &bytes),
                  "XGBoosterSaveModelToBuffer");
  if (!ok) return ok;
  std::ofstream out(path, std::ios::binary);
  out << "LCGBM " << kGbmFormatVersion << ' ' << names_.size() << '\n';
  for (const auto& name : names_) out << name << '\n';
  out.write(bytes, static_cast<std::streamsize>(length));
  out.flush();
  if (!out) return fail(ErrorCode::io_error, path.string(), "cannot write the model");
  return {};
}

Result<GbmModel> GbmModel::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, path.string(), "cannot open the model");
  std::string magic;
  int version = 0;
  size_t count = 0;
  in >> magic >> version >> count;
  in.get();
  if (!in || magic != "LCGBM" || count == 0 || count > kGbmFeaturesMax) {
    return fail(ErrorCode::corruption, path.string(), "not a livechain GBM model file");
  }
  if (version != kGbmFormatVersion) {
    return fail(ErrorCode::corruption, path.string(),
                fmt::format("model version {}, this build reads {}", version, kGbmFormatVersion));
  }
  std::vector<std::string> names(count);
  for (auto& name : names) std::getline(in, name);
  std::ostringstream rest;
  rest << in.rdbuf();
  const std::string bytes = rest.str();
  if (!in || bytes.empty()) return fail(ErrorCode::corruption, path.string(), "truncated model");
  BoosterHandle booster = nullptr;
  if (auto ok = check(XGBoosterCreate(nullptr, 0, &booster), "XGBoosterCreate"); !ok) {
    return std::unexpected(ok.error());
  }
  GbmModel model(booster, std::move(names));
  auto ok = check(XGBoosterLoadModelFromBuffer(booster, bytes.data(), bytes.size()), "load");
  if (!ok) return fail(ErrorCode::corruption, path.string(), ok.error().detail);
  if (auto set = check(XGBoosterSetParam(booster, "nthread", "1"), "nthread"); !set) {
    return std::unexpected(set.error());
  }
  return model;
}

}  // namespace livechain::forecast
