#include "http_message.hpp"

#include <charconv>

namespace poleloc::http {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 421: return "Misdirected Request";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

void append_http_response(std::string& out, const Response& r, unsigned version, bool keep_alive) {
  char number[24];
  auto put_number = [&](std::size_t v) {
    const auto end = std::to_chars(number, number + sizeof number, v).ptr;
    out.append(number, end);
  };
  out.reserve(out.size() + 160 + (r.head ? 0 : r.body.size()));
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  put_number(static_cast<std::size_t>(r.status));
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\n";
  if (!r.content_type.empty()) {
    out += "Content-Type: ";
    out += r.content_type;
    out += "\r\n";
  }
  // 1xx and 204 have no body and no length.
  if (r.status >= 200 && r.status != 204) {
    out += "Content-Length: ";
    put_number(r.body.size());
    out += "\r\n";
  }
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  if (r.status >= 200 && r.status != 204 && !r.head) out += r.body;
}

}  // namespace poleloc::http
