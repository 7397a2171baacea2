// src/core/expected_compat.hpp — a minimal std::expected for toolchains whose standard
// library hides it. Only the fuzzing build needs this: libFuzzer requires clang, and
// clang 14 with libstdc++ 12 disables <expected> (it lacks P0848, conditionally
// trivial special members). g++ 12 builds never include this file. It provides the
// subset livechain uses: construction from a value or std::unexpected, has_value,
// operator bool, *, ->, value(), error(), value_or; and the void specialisation.
#pragma once

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace std {  // NOLINT: stands in for the standard's own, only where it is missing

template <class E>
class unexpected {
 public:
  constexpr explicit unexpected(E error) : error_(std::move(error)) {}
  constexpr E& error() & { return error_; }
  constexpr const E& error() const& { return error_; }
  constexpr E&& error() && { return std::move(error_); }

 private:
  E error_;
};
template <class E>
unexpected(E) -> unexpected<E>;

template <class T>
struct is_livechain_unexpected : false_type {};
template <class E>
struct is_livechain_unexpected<unexpected<E>> : true_type {};

template <class T, class E>
class expected {
 public:
  using value_type = T;
  using error_type = E;

  constexpr expected() : state_(in_place_index<0>) {}
  template <class U = T>
  requires(is_constructible_v<T, U> && !is_same_v<remove_cvref_t<U>, expected> &&
           !is_livechain_unexpected<remove_cvref_t<U>>::value) constexpr expected(U&& value)
      : state_(in_place_index<0>, std::forward<U>(value)) {}
  template <class G>
  constexpr expected(const unexpected<G>& error) : state_(in_place_index<1>, error.error()) {}
  template <class G>
  constexpr expected(unexpected<G>&& error) : state_(in_place_index<1>, std::move(error).error()) {}

  constexpr bool has_value() const { return state_.index() == 0; }
  constexpr explicit operator bool() const { return has_value(); }
  constexpr T& operator*() & { return std::get<0>(state_); }
  constexpr const T& operator*() const& { return std::get<0>(state_); }
  constexpr T&& operator*() && { return std::get<0>(std::move(state_)); }
  constexpr T* operator->() { return &std::get<0>(state_); }
  constexpr const T* operator->() const { return &std::get<0>(state_); }
  constexpr T& value() & { return check(), std::get<0>(state_); }
  constexpr const T& value() const& { return check(), std::get<0>(state_); }
  constexpr E& error() & { return std::get<1>(state_); }
  constexpr const E& error() const& { return std::get<1>(state_); }
  constexpr E&& error() && { return std::get<1>(std::move(state_)); }
  template <class U>
  constexpr T value_or(U&& fallback) const& {
    return has_value() ? **this : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  constexpr void check() const {
    if (!has_value()) std::abort();
  }
  variant<T, E> state_;
};

template <class E>
class expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  constexpr expected() = default;
  template <class G>
  constexpr expected(const unexpected<G>& error) : error_(error.error()) {}
  template <class G>
  constexpr expected(unexpected<G>&& error) : error_(std::move(error).error()) {}

  constexpr bool has_value() const { return !error_.has_value(); }
  constexpr explicit operator bool() const { return has_value(); }
  constexpr void value() const {
    if (!has_value()) std::abort();
  }
  constexpr E& error() & { return *error_; }
  constexpr const E& error() const& { return *error_; }
  constexpr E&& error() && { return std::move(*error_); }

 private:
  optional<E> error_;
};

}  // namespace std
