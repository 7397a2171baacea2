# Build time: CI builds the release and asan presets from a cold cache on 2 cores, and
# most of a translation unit's time goes to parsing the same headers (engine variants,
# Boost, fmt, GoogleTest) and compiling the same inline templates again. Unity batches
# (CMake UNITY_BUILD) compile a few .cpp files of one folder as one translation unit.
# Figures and trade-offs: docs/architecture.md, "Build and CI".
#
# A source whose file-local names (anonymous namespace, static) clash with another one's
# in the same folder is listed in SKIP below and compiled on its own; no source was
# renamed. When a new clash appears, add the file here (or rename the local helper).
option(LIVECHAIN_UNITY "Compile each library and test binary in unity batches" ON)
set(LIVECHAIN_UNITY_BATCH_SIZE 8 CACHE STRING "Sources per unity batch")

# livechain_unity(<target> [SKIP <source>...]): turns on unity batches for <target>.
# SKIP sources are compiled as separate translation units.
function(livechain_unity target)
  cmake_parse_arguments(ARG "" "" "SKIP" ${ARGN})
  if(NOT LIVECHAIN_UNITY OR NOT TARGET ${target})
    return()
  endif()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON
    UNITY_BUILD_BATCH_SIZE ${LIVECHAIN_UNITY_BATCH_SIZE})
  # GCC raises -Wsubobject-linkage for a class that holds a type from an anonymous
  # namespace only when the class is not in the main file: meant for headers, it fires
  # on every pimpl Impl once its .cpp is included into a unity file.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-subobject-linkage>)
  get_target_property(target_dir ${target} SOURCE_DIR)
  foreach(source IN LISTS ARG_SKIP)
    cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY ${target_dir})
    set_source_files_properties(${source} TARGET_DIRECTORY ${target}
      PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  endforeach()
endfunction()
