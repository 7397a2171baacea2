# Writes OUTPUT: a C++ source defining kOpenApiYaml with the text of INPUT.
file(READ ${INPUT} yaml_text)
string(FIND "${yaml_text}" ")openapi\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )openapi\"")
endif()
file(WRITE ${OUTPUT} "// Generated from api/openapi.yaml by embed_openapi.cmake. Do not edit.\nnamespace livechain::server {\nextern const char* const kOpenApiYaml;\nconst char* const kOpenApiYaml = R\"openapi(${yaml_text})openapi\";\n}  // namespace livechain::server\n")
