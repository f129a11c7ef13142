// batch.cpp: queries over numpy arrays of points, on all cores, GIL released.
//
// Input policy (the same for every batch call):
//   - lons, lats: 1-D, equal length, dtype float64 (native byte order).
//     Any other dtype is refused with BadRequest instead of being cast
//     silently (float32 has already lost ~1 m at these longitudes; ints and
//     strings are usually a column mix-up). Non-arrays (lists, pandas Series)
//     go through numpy.asarray first and must come out float64.
//   - A float64 array that is not C-contiguous (e.g. pts[:, 0]) is copied
//     once into a contiguous buffer; contiguous arrays are read in place.
//   - NaN, infinite or out-of-range coordinates are not errors: that point
//     gets -1 (grid index / pole index), None (id, number) or NaN (distance).
// Outputs are new numpy arrays; -1 marks "no grid" / "no pole".
#include "binding.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <thread>

namespace poleloc::python {
namespace {

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t d = 0; d < a.ndim(); ++d) s += (d ? ", " : "") + std::to_string(a.shape(d));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

py::array as_array(py::handle h) {
  if (py::isinstance<py::array>(h)) return py::reinterpret_borrow<py::array>(h);
  return py::module_::import("numpy").attr("asarray")(h);
}

py::array_t<double> coordinate_array(py::handle h, const char* name) {
  py::array a = as_array(h);
  if (a.ndim() != 1) {
    raise(ErrorCode::bad_request,
          std::string(name) + " must be a 1-D array, got shape " + shape_text(a));
  }
  if (!py::array_t<double>::check_(a)) {
    raise(ErrorCode::bad_request,
          std::string(name) + " must have dtype float64, got " + py::str(a.dtype()).cast<std::string>() +
              "; convert explicitly, e.g. numpy.asarray(" + name + ", dtype=numpy.float64)");
  }
  if (!(a.flags() & py::array::c_style)) a = py::module_::import("numpy").attr("ascontiguousarray")(a);
  return py::reinterpret_borrow<py::array_t<double>>(a);
}

struct Points {
  py::array_t<double> lons, lats;  // keep the buffers alive while the GIL is released
  std::size_t n = 0;
  std::span<const double> lon_span() const { return {lons.data(), n}; }
  std::span<const double> lat_span() const { return {lats.data(), n}; }
};

Points points_from(py::handle lons, py::handle lats) {
  Points p{coordinate_array(lons, "lons"), coordinate_array(lats, "lats")};
  if (p.lons.size() != p.lats.size()) {
    raise(ErrorCode::bad_request, "lons and lats must have the same length, got " +
                                           std::to_string(p.lons.size()) + " and " + std::to_string(p.lats.size()));
  }
  p.n = static_cast<std::size_t>(p.lons.size());
  return p;
}

unsigned threads_from(long long threads) {
  if (threads < 0 || threads > 1024) {
    raise(ErrorCode::bad_request, "threads must be 0 (all cores) to 1024, got " + std::to_string(threads));
  }
  return static_cast<unsigned>(threads);
}

// Integer index arrays (any integer dtype) as a flat int64 array; the original shape is returned too.
py::array_t<std::int64_t> index_array(py::handle h, const char* name, std::vector<py::ssize_t>& shape) {
  py::array a = as_array(h);
  const char kind = a.dtype().kind();
  if (kind != 'i' && kind != 'u') {
    raise(ErrorCode::bad_request, std::string(name) + " must be an integer array, got dtype " +
                                           py::str(a.dtype()).cast<std::string>());
  }
  shape.assign(a.shape(), a.shape() + a.ndim());
  py::array flat = a.attr("astype")("int64", py::arg("copy") = false).attr("ravel")();  // no copy when int64 already
  return py::reinterpret_borrow<py::array_t<std::int64_t>>(flat);
}

py::array object_array(const std::vector<py::ssize_t>& shape) {
  return py::array(py::dtype("object"), shape);
}

// Runs body(begin, end) over [0, n) on `threads` threads (0 = all cores); the caller has released the GIL.
// The threads take chunks of a few thousand points in turn rather than one
// fixed share each: points far from the data cost several times the others,
// and a core the machine lends to something else for a moment must not leave
// the other waiting at the end.
template <typename Body>
void parallel_for(std::size_t n, unsigned threads, Body body) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (n < 1024) threads = 1;
  if (threads == 1) {
    body(std::size_t{0}, n);
    return;
  }
  const std::size_t chunk = std::clamp<std::size_t>(n / (std::size_t{threads} * 32), 256, 8192);
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> errors(threads);
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        for (;;) {
          const std::size_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
          if (begin >= n) break;
          body(begin, std::min(n, begin + chunk));
        }
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& w : workers) w.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

py::array_t<std::int32_t> grid_indexes(const PySnapshot& s, const Points& p, unsigned threads) {
  py::array_t<std::int32_t> out(static_cast<py::ssize_t>(p.n));
  std::span<std::int32_t> dst(out.mutable_data(), p.n);
  {
    py::gil_scoped_release release;
    s.snapshot->grid_indexes_at(p.lon_span(), p.lat_span(), dst, threads);
  }
  return out;
}

// An object array of grid ids from grid indexes (-1 -> None), sharing one str per grid.
// Taking a reference per element under the GIL is what made this slow (a random
// refcount write per point), so the pointers are written by all cores with the
// GIL released, and each grid's refcount is raised once by its number of uses.
// Until the refcounts are raised the array is not reachable from Python, and
// the str objects are held by the snapshot's cache, so nothing can free them.
template <typename Index>
py::array grid_id_objects(PySnapshot& s, const Index* indexes, std::size_t n, const std::vector<py::ssize_t>& shape,
                          unsigned threads) {
  const auto& ids = s.grid_ids();
  const std::size_t grid_count = ids.size();
  std::vector<PyObject*> objects(grid_count + 1);  // [grid_count] is None
  for (std::size_t g = 0; g < grid_count; ++g) objects[g] = ids[g].ptr();
  objects[grid_count] = Py_None;
  std::vector<py::ssize_t> uses(grid_count + 1, 0);

  py::array out = object_array(shape);
  auto** dst = static_cast<PyObject**>(out.mutable_data());
  std::optional<std::size_t> bad;
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n; ++i) {
      const auto g = static_cast<std::int64_t>(indexes[i]);
      if (g < -1 || g >= static_cast<std::int64_t>(grid_count)) {
        bad = i;
        break;
      }
      ++uses[g < 0 ? grid_count : static_cast<std::size_t>(g)];
    }
    if (!bad) {
      parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          const auto g = static_cast<std::int64_t>(indexes[i]);
          dst[i] = objects[g < 0 ? grid_count : static_cast<std::size_t>(g)];
        }
      });
    }
  }
  if (bad) {  // nothing was written: the array is still all NULL, which numpy frees as such
    raise(ErrorCode::bad_request, "grid index " + std::to_string(static_cast<std::int64_t>(indexes[*bad])) +
                                           " at position " + std::to_string(*bad) + " is out of range (" +
                                           std::to_string(grid_count) + " grids; -1 means no grid)");
  }
  for (std::size_t g = 0; g <= grid_count; ++g) {
    if (uses[g]) Py_SET_REFCNT(objects[g], Py_REFCNT(objects[g]) + uses[g]);
  }
  return out;
}


// A str of a pole number. Canonical numbers are ASCII nearly always: then the
// bytes are copied into a compact str without decoding.
PyObject* number_str(std::string_view number) {
  bool ascii = true;
  for (const char c : number) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (!ascii) return PyUnicode_DecodeUTF8(number.data(), static_cast<py::ssize_t>(number.size()), "strict");
  PyObject* str = PyUnicode_New(static_cast<py::ssize_t>(number.size()), 127);
  if (str) std::memcpy(PyUnicode_1BYTE_DATA(str), number.data(), number.size());
  return str;
}

// An object array of pole numbers from pole indexes (-1, or a pole a later
// write replaced -> None). Made under the GIL, one str per distinct pole,
// shared by every position naming it (k-nearest answers name the same poles
// many times), and placed as grid_id_objects places grid ids: pointers written
// by all cores with the GIL released, each refcount raised once by its uses.
// Making Python objects is the one part that cannot use every core, so it
// must be small beside the search it follows (nearest_many).
py::array pole_number_objects(const PySnapshot& s, const std::int64_t* indexes, std::size_t n,
                              const std::vector<py::ssize_t>& shape, unsigned threads) {
  const Snapshot& snap = *s.snapshot;
  const std::size_t count = snap.pole_index_end();
  for (std::size_t i = 0; i < n; ++i) {
    if (indexes[i] < -1 || indexes[i] >= static_cast<std::int64_t>(count)) {
      raise(ErrorCode::bad_request, "pole index " + std::to_string(indexes[i]) + " at position " + std::to_string(i) +
                                        " is out of range (" + std::to_string(count) + " poles; -1 means no pole)");
    }
  }
  py::array out = object_array(shape);
  auto** dst = static_cast<PyObject**>(out.mutable_data());
  if (n * 16 < count) {  // a few indexes: no table over every pole
    for (std::size_t i = 0; i < n; ++i) {
      const auto pole = static_cast<std::uint32_t>(indexes[i]);
      PyObject* o = indexes[i] < 0 || !snap.pole_index_is_live(pole) ? Py_NewRef(Py_None)
                                                                      : number_str(snap.pole_by_index(pole).number());
      if (!o) throw py::error_already_set();  // the array frees what it holds so far
      PyObject* old = dst[i];
      dst[i] = o;
      Py_XDECREF(old);
    }
    return out;
  }
  // uses[p]: how many positions name pole p; [count]: how many are None.
  // Counted by all cores (random increments into millions of counters: misses).
  std::vector<std::uint32_t> uses(count + 1, 0);
  {
    py::gil_scoped_release release;
    parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const std::int64_t p = indexes[i];
        const std::size_t u =
            p < 0 || !snap.pole_index_is_live(static_cast<std::uint32_t>(p)) ? count : static_cast<std::size_t>(p);
        std::atomic_ref<std::uint32_t>(uses[u]).fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::vector<PyObject*> objects(count + 1, nullptr);
  objects[count] = Py_None;
  for (std::size_t p = 0; p < count; ++p) {
    if (!uses[p]) continue;
    objects[p] = number_str(snap.pole_by_index(static_cast<std::uint32_t>(p)).number());
    if (!objects[p]) {
      for (std::size_t q = 0; q < p; ++q) Py_XDECREF(objects[q]);
      throw py::error_already_set();
    }
  }
  {
    py::gil_scoped_release release;
    parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const std::int64_t p = indexes[i];
        PyObject* o = p < 0 ? nullptr : objects[static_cast<std::size_t>(p)];
        dst[i] = o ? o : Py_None;  // a pole not live has no object: None
      }
    });
  }
  // Each made str came with one reference (ours): it now has one per use.
  for (std::size_t p = 0; p < count; ++p) {
    if (objects[p]) Py_SET_REFCNT(objects[p], static_cast<py::ssize_t>(uses[p]));
  }
  if (uses[count]) Py_SET_REFCNT(Py_None, Py_REFCNT(Py_None) + uses[count]);
  return out;
}
}  // namespace

void bind_batch(py::class_<PySnapshot>& cls) {
  cls.def("grid_indexes_at", [](const PySnapshot& s, py::handle lons, py::handle lats, long long threads) {
        const Points p = points_from(lons, lats);
        return grid_indexes(s, p, threads_from(threads));
      }, py::arg("lons"), py::arg("lats"), py::arg("threads") = 0)
      .def("grid_ids_at", [](PySnapshot& s, py::handle lons, py::handle lats, long long threads) {
        const Points p = points_from(lons, lats);
        const py::array_t<std::int32_t> idx = grid_indexes(s, p, threads_from(threads));
        return grid_id_objects(s, idx.data(), p.n, {static_cast<py::ssize_t>(p.n)}, threads_from(threads));
      }, py::arg("lons"), py::arg("lats"), py::arg("threads") = 0)
      .def("grid_ids", [](PySnapshot& s, py::handle indexes) {
        std::vector<py::ssize_t> shape;
        const py::array_t<std::int64_t> flat = index_array(indexes, "indexes", shape);
        return grid_id_objects(s, flat.data(), static_cast<std::size_t>(flat.size()), shape, 0);
      }, py::arg("indexes"))
      .def("pole_numbers", [](const PySnapshot& s, py::handle indexes, long long threads) {
        std::vector<py::ssize_t> shape;
        const py::array_t<std::int64_t> flat = index_array(indexes, "indexes", shape);
        return pole_number_objects(s, flat.data(), static_cast<std::size_t>(flat.size()), shape, threads_from(threads));
      }, py::arg("indexes"), py::arg("threads") = 0)
      .def("nearest_many", [](const PySnapshot& s, py::handle lons, py::handle lats, long long k,
                              std::optional<double> max_m, long long threads) {
        if (k < 0) raise(ErrorCode::bad_request, "k must not be negative, got " + std::to_string(k));
        const NearestOptions options{.k = static_cast<std::size_t>(k), .max_m = max_m};
        check(options.is_valid());
        const Points p = points_from(lons, lats);
        const unsigned nthreads = threads_from(threads);
        const auto kk = static_cast<py::ssize_t>(options.k);
        const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(p.n), kk};
        py::array_t<std::int32_t> indexes(shape);
        py::array_t<double> distances(shape);
        std::int32_t* idx = indexes.mutable_data();
        double* dist = distances.mutable_data();
        {
          py::gil_scoped_release release;
          const std::size_t cells = p.n * options.k;
          check(s.snapshot->nearest_indexes(p.lon_span(), p.lat_span(), options, std::span<std::int32_t>(idx, cells),
                                            std::span<double>(dist, cells), nthreads));
        }
        return py::make_tuple(indexes, distances);
      }, py::arg("lons"), py::arg("lats"), py::arg("k") = 1, py::arg("max_m") = py::none(), py::arg("threads") = 0)
      .def("pole_positions", [](const PySnapshot& s) {
        // One entry per pole index; NaN at the indexes of poles a later write replaced (until the merge).
        const std::size_t n = s.snapshot->pole_index_end();
        py::array_t<double> lons(static_cast<py::ssize_t>(n)), lats(static_cast<py::ssize_t>(n));
        double* lo = lons.mutable_data();
        double* la = lats.mutable_data();
        {
          py::gil_scoped_release release;
          for (std::size_t i = 0; i < n; ++i) {
            const auto index = static_cast<std::uint32_t>(i);
            const LonLat q = s.snapshot->pole_index_is_live(index)
                                 ? s.snapshot->pole_by_index(index).position()
                                 : LonLat{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
            lo[i] = q.lon;
            la[i] = q.lat;
          }
        }
        return py::make_tuple(lons, lats);
      })
      .def("pole_grid_indexes", [](const PySnapshot& s) {
        const std::size_t n = s.snapshot->pole_index_end();
        py::array_t<std::int32_t> out(static_cast<py::ssize_t>(n));
        std::int32_t* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          for (std::size_t i = 0; i < n; ++i) {
            const auto index = static_cast<std::uint32_t>(i);
            const auto g = s.snapshot->pole_index_is_live(index) ? s.snapshot->pole_by_index(index).grid()
                                                                 : std::nullopt;
            dst[i] = g ? static_cast<std::int32_t>(g->index()) : -1;
          }
        }
        return out;
      });
}

}  // namespace poleloc::python
