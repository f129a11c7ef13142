// embedded_files.hpp: the console (web/*) and the API description
// (openapi.json), compiled into the binary so the server needs no files at run time.
//
//   if (auto f = http::find_embedded_file("index.html")) serve(f->content, http::content_type_for(f->name));
//
// The table is generated at build time by embed_files.cmake from the files in
// bindings/http (a changed file rebuilds it).
//
// Thread-safety: immutable static data.
#pragma once

#include <span>
#include <string_view>

namespace poleloc::http {

struct EmbeddedFile {
  std::string_view name;     // file name, e.g. "console.js"
  std::string_view content;  // the bytes
};

// Every embedded file (defined in the generated embedded_files_data.cpp).
std::span<const EmbeddedFile> embedded_files();

const EmbeddedFile* find_embedded_file(std::string_view name);

// "text/html; charset=utf-8" for .html and so on; application/octet-stream if unknown.
std::string_view content_type_for(std::string_view name);

}  // namespace poleloc::http
