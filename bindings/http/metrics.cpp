#include "metrics.hpp"

#include <cstdio>

namespace poleloc::http {
namespace {

constexpr std::size_t kStatusSlots = Metrics::kStatuses.size();  // the last one is "other"
constexpr std::size_t kBucketSlots = Metrics::kBuckets.size() + 1;

std::size_t status_slot(int status) {
  for (std::size_t i = 0; i + 1 < kStatusSlots; ++i) {
    if (Metrics::kStatuses[i] == status) return i;
  }
  return kStatusSlots - 1;
}

template <typename T>
std::unique_ptr<std::atomic<T>[]> zeros(std::size_t n) {
  auto a = std::make_unique<std::atomic<T>[]>(n);
  for (std::size_t i = 0; i < n; ++i) a[i].store(0, std::memory_order_relaxed);
  return a;
}

// Prometheus label values escape backslash, quote and newline; route patterns have none
// of them, but a label must never break the exposition format.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c == '\n' ? ' ' : c);
  }
  return out;
}

void append_number(std::string& out, double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  out += buf;
}

}  // namespace

Metrics::Shard::Shard(std::size_t routes)
    : routes_(routes),
      requests_(zeros<std::uint64_t>(routes * kStatusSlots)),
      buckets_(zeros<std::uint64_t>(routes * kBucketSlots)),
      sum_ns_(zeros<std::uint64_t>(routes)) {}

void Metrics::Shard::record(std::size_t route, int status, double seconds, std::size_t poles, std::size_t grids) {
  if (route >= routes_) route = routes_ - 1;
  bump(requests_[route * kStatusSlots + status_slot(status)]);
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  bump(buckets_[route * kBucketSlots + b]);  // non-cumulative here; render() accumulates
  bump(sum_ns_[route], static_cast<std::uint64_t>(seconds * 1e9));
  if (poles) bump(poles_, poles);
  if (grids) bump(grids_, grids);
}

Metrics::Metrics(std::vector<std::string> route_names, unsigned shards) : route_names_(std::move(route_names)) {
  for (unsigned i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>(route_names_.size()));
}

std::uint64_t Metrics::total_requests() const {
  std::uint64_t n = 0;
  for (const auto& s : shards_) {
    for (std::size_t i = 0; i < route_names_.size() * kStatusSlots; ++i) n += s->requests_[i].load(std::memory_order_relaxed);
  }
  return n;
}

void Metrics::render(std::string& out) const {
  const std::size_t routes = route_names_.size();
  auto sum = [&](auto member, std::size_t i) {
    std::uint64_t n = 0;
    for (const auto& s : shards_) n += ((*s).*member)[i].load(std::memory_order_relaxed);
    return n;
  };

  out += "# HELP poleloc_http_requests_total HTTP requests answered, by route pattern and status.\n";
  out += "# TYPE poleloc_http_requests_total counter\n";
  for (std::size_t r = 0; r < routes; ++r) {
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      const std::uint64_t n = sum(&Shard::requests_, r * kStatusSlots + s);
      if (n == 0) continue;
      out += "poleloc_http_requests_total{route=\"" + label(route_names_[r]) + "\",status=\"";
      out += s + 1 == kStatusSlots ? std::string("other") : std::to_string(kStatuses[s]);
      out += "\"} " + std::to_string(n) + "\n";
    }
  }

  out += "# HELP poleloc_http_request_duration_seconds Time from a parsed request to its response, by route pattern.\n";
  out += "# TYPE poleloc_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < routes; ++r) {
    const std::string name = label(route_names_[r]);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBucketSlots; ++b) {
      cumulative += sum(&Shard::buckets_, r * kBucketSlots + b);
      out += "poleloc_http_request_duration_seconds_bucket{route=\"" + name + "\",le=\"";
      if (b < kBuckets.size()) {
        append_number(out, kBuckets[b]);
      } else {
        out += "+Inf";
      }
      out += "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "poleloc_http_request_duration_seconds_sum{route=\"" + name + "\"} ";
    append_number(out, static_cast<double>(sum(&Shard::sum_ns_, r)) / 1e9);
    out += "\npoleloc_http_request_duration_seconds_count{route=\"" + name + "\"} " + std::to_string(cumulative) + "\n";
  }

  std::uint64_t poles = 0, grids = 0;
  for (const auto& s : shards_) {
    poles += s->poles_.load(std::memory_order_relaxed);
    grids += s->grids_.load(std::memory_order_relaxed);
  }
  out += "# HELP poleloc_poles_served_total Poles returned in answers (lookups, candidates, nearest, pages).\n";
  out += "# TYPE poleloc_poles_served_total counter\n";
  out += "poleloc_poles_served_total " + std::to_string(poles) + "\n";
  out += "# HELP poleloc_grids_served_total Grids returned in answers.\n";
  out += "# TYPE poleloc_grids_served_total counter\n";
  out += "poleloc_grids_served_total " + std::to_string(grids) + "\n";
}

}  // namespace poleloc::http
