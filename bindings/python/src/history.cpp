// history.cpp: as-of snapshots, record histories and the change feed
// (docs/history.md) on the Python Service.
//
//   svc.snapshot_at(as_of)            # as_of: aware datetime.datetime or RFC 3339 str -> Snapshot
//   svc.pole_history("TJH0372")       # [{sequence, valid_from, valid_to, author, deleted, record}, ...]
//   svc.grid_history("CY-TJH-027")
//   svc.changes(after, limit, skip, wait_s)  # {changes: [...], next_after, next_skip, sequence}
//
// Times come back as aware datetimes in UTC (millisecond precision, as stored).
// Records are dicts in the shapes of the HTTP answers without what a snapshot
// derives (docs/history.md), which Database.apply accepts back as puts:
// pole {number, lon, lat, attributes}, grid {id, name, attributes, geometry},
// alias {alias, code}, place {name, kind, lon, lat} or {name, kind, grid}.
//
// GIL: released around every library call (building an as-of snapshot reads
// the store; the feed may wait); dicts are made after it is taken back.
#include "binding.hpp"

#include <poleloc/time_text.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace poleloc::python {
namespace {

using Clock = std::chrono::system_clock;

// The UTC epoch as an aware datetime; the datetime module is imported per call
// (a dict lookup once imported) so no Python object outlives the interpreter.
py::object utc_epoch() {
  py::module_ dt = py::module_::import("datetime");
  py::object utc = dt.attr("timezone").attr("utc");
  return dt.attr("datetime")(1970, 1, 1, 0, 0, 0, 0, utc);
}

py::object utc_datetime(const std::optional<Clock::time_point>& t) {
  if (!t) return py::none();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count();
  py::module_ dt = py::module_::import("datetime");
  return utc_epoch() + dt.attr("timedelta")(py::arg("microseconds") = us);
}

// as_of: an aware datetime.datetime or an RFC 3339 str (with an offset). Naive
// datetimes are refused: which zone they mean is a guess.
Clock::time_point time_from(py::handle as_of) {
  if (py::isinstance<py::str>(as_of)) {
    return unwrap(parse_rfc3339(as_of.cast<std::string>(), "as_of"));
  }
  py::module_ dt = py::module_::import("datetime");
  if (!py::isinstance(as_of, dt.attr("datetime"))) {
    raise(ErrorCode::bad_request,
          "as_of must be a datetime.datetime with tzinfo or an RFC 3339 str like '2026-03-01T08:00:00+08:00', got " +
              py::str(py::type::of(as_of).attr("__name__")).cast<std::string>());
  }
  if (as_of.attr("utcoffset")().is_none()) {
    raise(ErrorCode::bad_request,
          "as_of: a naive datetime is ambiguous; give it a tzinfo (e.g. datetime.timezone.utc or "
          "zoneinfo.ZoneInfo('Asia/Shanghai'))");
  }
  py::object delta = as_of - utc_epoch();
  const auto us = (delta.attr("__floordiv__")(dt.attr("timedelta")(py::arg("microseconds") = 1))).cast<long long>();
  // datetime reaches years 1..9999, beyond the clock: "before everything" or "now".
  return time_from_unix_us(us);
}

py::dict pole_dict(const PoleRecord& p) {
  py::dict d;
  d["number"] = p.number;
  d["lon"] = p.position.lon;
  d["lat"] = p.position.lat;
  d["attributes"] = attributes_dict(p.attributes);
  return d;
}

py::dict grid_dict(const GridRecord& g) {
  py::dict d;
  d["id"] = g.id;
  d["name"] = g.name;
  d["attributes"] = attributes_dict(g.attributes);
  d["geometry"] = geometry_dict(g.geometry);
  return d;
}

py::dict place_dict(const PlaceRecord& p) {
  py::dict d;
  d["name"] = p.name;
  d["kind"] = p.kind;
  if (p.position) {
    d["lon"] = p.position->lon;
    d["lat"] = p.position->lat;
  } else {
    d["grid"] = p.grid;
  }
  return d;
}

py::list versions_list(const std::vector<RecordVersion>& versions) {
  py::list out;
  for (const RecordVersion& v : versions) {
    py::dict d;
    d["sequence"] = v.sequence;
    d["valid_from"] = utc_datetime(v.valid_from);
    d["valid_to"] = utc_datetime(v.valid_to);
    d["author"] = v.author;
    d["deleted"] = v.deleted;
    if (v.pole) {
      d["record"] = pole_dict(*v.pole);
    } else if (v.grid) {
      d["record"] = grid_dict(*v.grid);
    } else {
      d["record"] = py::none();
    }
    out.append(std::move(d));
  }
  return out;
}

py::object record_of(const FeedChange& c) {
  if (c.pole) return pole_dict(*c.pole);
  if (c.grid) return grid_dict(*c.grid);
  if (c.alias) {
    py::dict d;
    d["alias"] = c.alias->alias;
    d["code"] = c.alias->code;
    return d;
  }
  if (c.place) return place_dict(*c.place);
  if (c.road) {
    py::dict d;
    d["name"] = c.road->name;
    py::list lines;
    for (const LineString& l : c.road->lines) {
      py::list line;
      for (const LonLat& q : l) line.append(py::make_tuple(q.lon, q.lat));
      lines.append(std::move(line));
    }
    py::dict geometry;
    geometry["type"] = "MultiLineString";
    geometry["coordinates"] = std::move(lines);
    d["geometry"] = std::move(geometry);
    return d;
  }
  return py::none();
}

}  // namespace

void bind_history(py::class_<PyService>& cls) {
  cls.def("snapshot_at", [](PyService& s, py::handle as_of) {
        // The current snapshot object (with its caches) when the time is at or after the latest change.
        auto service = s.get();
        const Clock::time_point t = time_from(as_of);
        Result<SnapshotPtr> snap = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          snap = service->snapshot_at(t);
        }
        SnapshotPtr found = unwrap(std::move(snap));
        if (found == service->snapshot()) return s.snapshot_object(std::move(found));
        return py::cast(PySnapshot{std::move(found), {}, {}, {}, false});
      }, py::arg("as_of"))
      .def("pole_history", [](PyService& s, std::string number) {
        auto service = s.get();
        Result<std::vector<RecordVersion>> versions = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          versions = service->pole_history(number);
        }
        return versions_list(unwrap(std::move(versions)));
      }, py::arg("number"))
      .def("grid_history", [](PyService& s, std::string id) {
        auto service = s.get();
        Result<std::vector<RecordVersion>> versions = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          versions = service->grid_history(id);
        }
        return versions_list(unwrap(std::move(versions)));
      }, py::arg("id"))
      .def("changes", [](PyService& s, py::handle after_h, py::handle limit_h, py::handle skip_h,
                         std::optional<double> wait_s) {
        auto service = s.get();
        const std::uint64_t after = count_from(after_h, "after");
        const std::uint64_t limit = count_from(limit_h, "limit");
        const std::uint64_t skip = count_from(skip_h, "skip");
        if (wait_s && (!std::isfinite(*wait_s) || *wait_s < 0)) {
          raise(ErrorCode::bad_request, "wait must be a number of seconds >= 0");
        }
        Result<ChangeFeedPage> page = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          page = service->changes_after(after, static_cast<std::size_t>(limit), skip);
          if (page && page->changes.empty() && wait_s && *wait_s > 0) {
            // Nothing new: wait for a write after the page's newest sequence, then read again.
            const double wait_ms = std::min(*wait_s, 1e9) * 1000.0;  // beyond 30 years: as long as that
            const auto timeout = std::chrono::milliseconds(static_cast<long long>(wait_ms));
            const std::uint64_t seen = std::max(after, page->sequence);
            if (service->wait_for_sequence_after(seen, timeout) > seen) {
              page = service->changes_after(after, static_cast<std::size_t>(limit), skip);
            }
          }
        }
        ChangeFeedPage p = unwrap(std::move(page));
        py::list changes;
        for (const FeedChange& c : p.changes) {
          py::dict d;
          d["seq"] = c.sequence;
          d["time"] = utc_datetime(c.time);
          d["author"] = c.author;
          d["kind"] = c.kind;
          d["id"] = c.id;
          d["op"] = c.deleted ? "delete" : "put";
          d["record"] = c.deleted ? py::none() : record_of(c);
          changes.append(std::move(d));
        }
        py::dict out;
        out["changes"] = std::move(changes);
        out["next_after"] = p.next_after;
        out["next_skip"] = p.next_skip;
        out["sequence"] = p.sequence;
        return out;
      }, py::arg("after") = 0, py::arg("limit") = 1000, py::arg("skip") = 0, py::arg("wait") = py::none());
}

}  // namespace poleloc::python
