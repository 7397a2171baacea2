// src/core/core.hpp — public header of the core module.
//
// core owns the vocabulary every other module shares: errors as values (Error,
// Result<T>), invariant assertions, GS1 GTIN validation, identifier and text limits,
// injected time, and byte encodings (hex, varint, CRC-32C). It depends on nothing
// else in livechain.
#pragma once

#include "core/assert.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/gtin.hpp"
#include "core/identifier.hpp"
#include "core/time.hpp"
