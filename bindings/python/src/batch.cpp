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
#include <mutex>
#include <span>
#include <thread>

#include <sys/mman.h>

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

// Asks for 2 MiB pages under a new array's data, before anything touches it
// (only a hint; nothing where transparent huge pages are off). A large output
// is fresh memory: filling 16 MB of 4 KiB pages took 4,000 page faults, longer
// than writing the values (2,000,000 pole numbers: about 30 ms of faults, 10
// ms with 2 MiB pages), and threads faulting at once wait for each other.
template <typename Array>
Array with_huge_pages(Array a) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(a.mutable_data());
  const std::uintptr_t from = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t to = (begin + static_cast<std::uintptr_t>(a.nbytes())) & ~(kHuge - 1);
  if (to > from) (void)::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
  return a;
}

// A new object array (all NULL, which numpy reads as None).
py::array object_array(const std::vector<py::ssize_t>& shape) {
  return with_huge_pages(py::array(py::dtype("object"), shape));
}

// Runs body(part) for part in [0, parts), one part per thread (the caller
// runs part 0), and rethrows the first part's exception once all are done.
// The bodies run without the GIL (they call no Python API), whether or not the
// caller holds it.
template <typename Body>
void for_parts(unsigned parts, Body body) {
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> errors(parts);
  auto run = [&](unsigned part) {
    try {
      body(part);
    } catch (...) {
      errors[part] = std::current_exception();
    }
  };
  for (unsigned part = 1; part < parts; ++part) workers.emplace_back(run, part);
  run(0);
  for (auto& w : workers) w.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// Runs body(begin, end) over [0, n) on `threads` threads (0 = all cores), as
// for_parts runs its parts. The threads take chunks of a few thousand points
// in turn rather than one fixed share each: points far from the data cost
// several times the others, and a core the machine lends to something else
// for a moment must not leave the other waiting at the end.
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
  for_parts(threads, [&](unsigned) {
    for (;;) {
      const std::size_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) return;
      body(begin, std::min(n, begin + chunk));
    }
  });
}

py::array_t<std::int32_t> grid_indexes(const PySnapshot& s, const Points& p, unsigned threads) {
  auto out = with_huge_pages(py::array_t<std::int32_t>(static_cast<py::ssize_t>(p.n)));
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
// write replaced -> None). One str per distinct pole, shared by every position
// naming it (k-nearest answers name the same poles many times) and kept by
// the snapshot for its later answers (PySnapshot::pole_number_objects), and
// placed as grid_id_objects places grid ids: pointers written by all cores
// with the GIL released, each refcount raised once by its uses. Making Python
// objects is the one part that cannot use every core; with the strs made once
// per snapshot, a second call over the same poles makes none, allocates no
// memory for them and frees none when its answer goes (400,000 points, k = 5,
// 1.26 million distinct poles: 350 ms a call when each call made its own strs,
// 35-45 ms now after the first; docs/performance.md "Bulk calls on several
// cores (Python)").
py::array pole_number_objects(PySnapshot& s, const std::int64_t* indexes, std::size_t n,
                              const std::vector<py::ssize_t>& shape, unsigned threads) {
  const Snapshot& snap = *s.snapshot;
  const std::size_t count = snap.pole_index_end();
  auto out_of_range = [&](std::size_t i) {
    raise(ErrorCode::bad_request, "pole index " + std::to_string(indexes[i]) + " at position " + std::to_string(i) +
                                      " is out of range (" + std::to_string(count) + " poles; -1 means no pole)");
  };
  auto bad_index = [&](std::int64_t p) { return p < -1 || p >= static_cast<std::int64_t>(count); };
  std::vector<py::object>& made = s.pole_number_objects;
  py::array out = object_array(shape);
  auto** dst = static_cast<PyObject**>(out.mutable_data());
  if (n * 16 < count) {  // a few indexes: no table over every pole (strs the snapshot has are shared)
    for (std::size_t i = 0; i < n; ++i) {
      if (bad_index(indexes[i])) out_of_range(i);  // the array, all NULL still, is freed
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto pole = static_cast<std::uint32_t>(indexes[i]);
      PyObject* o = nullptr;
      if (indexes[i] < 0 || !snap.pole_index_is_live(pole)) {
        o = Py_NewRef(Py_None);
      } else if (made.empty()) {
        o = number_str(snap.pole_by_index(pole).number());
      } else {
        py::object& kept = made[pole];
        if (!kept) {
          PyObject* str = number_str(snap.pole_by_index(pole).number());
          if (!str) throw py::error_already_set();
          kept = py::reinterpret_steal<py::object>(str);
        }
        o = Py_NewRef(kept.ptr());
      }
      if (!o) throw py::error_already_set();  // the array frees what it holds so far
      PyObject* old = dst[i];
      dst[i] = o;
      Py_XDECREF(old);
    }
    return out;
  }
  // uses[p]: how many positions name pole p; [count]: how many are None. The
  // snapshot's table when no other call has it (allocating millions of
  // counters per call cost more than counting), left all zero again below.
  std::vector<std::uint32_t> own_uses;
  struct Table {
    PySnapshot& s;
    std::vector<std::uint32_t>* uses = nullptr;
    bool clean = false;
    ~Table() {  // with the GIL held (any unwinding reacquires it first)
      if (uses != &s.pole_uses) return;
      if (!clean) std::fill(uses->begin(), uses->end(), 0u);
      s.pole_uses_busy = false;
    }
  } table{s};
  if (!s.pole_uses_busy) {
    s.pole_uses_busy = true;
    table.uses = &s.pole_uses;  // the destructor now clears and frees it
    if (s.pole_uses.size() != count + 1) s.pole_uses.assign(count + 1, 0);
  } else {
    own_uses.assign(count + 1, 0);
    table.uses = &own_uses;
  }
  std::vector<std::uint32_t>& uses = *table.uses;
  // Each core counts the poles of its own share of the table, reading every
  // index: no two cores write one counter (random atomic increments by two
  // cores took as long as by one), and each share is a part of the table.
  // Every share reads all the indexes: a few shares, however many cores.
  constexpr unsigned kMostShares = 8;
  const unsigned parts =
      n < 1024 ? 1u : std::clamp(threads == 0 ? std::thread::hardware_concurrency() : threads, 1u, kMostShares);
  std::size_t first_bad = n;  // part 0's findings
  std::uint32_t none = 0;
  {
    py::gil_scoped_release release;
    for_parts(parts, [&](unsigned part) {
      const std::size_t from = count * part / parts, to = count * (part + 1) / parts;
      std::uint32_t* const counts = uses.data();
      std::uint32_t elsewhere = 0;  // the increments of indexes outside this share (or -1) land here
      std::uint32_t no_pole = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t p = indexes[i];
        if (p < -1 || p >= static_cast<std::int64_t>(count)) [[unlikely]] {
          if (part == 0) {
            first_bad = i;
            return;
          }
          continue;
        }
        // Branch-free: a share holds a random half of the indexes, which no predictor guesses.
        const bool mine = static_cast<std::uint64_t>(p) - from < to - from;  // false for -1
        ++*(mine ? counts + p : &elsewhere);
        no_pole += p == -1;
      }
      if (part == 0) none = no_pole;
    });
  }
  uses[count] = none;
  if (first_bad < n) out_of_range(first_bad);  // the table is cleared on the way out
  if (made.size() != count) made.assign(count, py::object());
  // The poles named that have no str yet, found by all cores (none, once a
  // snapshot's answers have named them), then made here: the strs' memory
  // comes from Python's allocator, which only the GIL's holder may call.
  std::vector<std::pair<std::size_t, std::vector<std::uint32_t>>> missing;  // (first pole of a chunk, its poles)
  std::mutex missing_mutex;
  // A pole a later write replaced has no str: its uses are None's.
  std::atomic<std::uint64_t> replaced{0};
  parallel_for(count, threads, [&](std::size_t begin, std::size_t end) {
    std::vector<std::uint32_t> found;
    std::uint64_t none_here = 0;
    for (std::size_t p = begin; p < end; ++p) {
      if (!uses[p] || made[p]) continue;
      if (!snap.pole_index_is_live(static_cast<std::uint32_t>(p))) {
        none_here += uses[p];
        uses[p] = 0;
        continue;
      }
      found.push_back(static_cast<std::uint32_t>(p));
    }
    replaced.fetch_add(none_here, std::memory_order_relaxed);
    if (found.empty()) return;
    std::lock_guard lock(missing_mutex);
    missing.emplace_back(begin, std::move(found));
  });
  uses[count] += static_cast<std::uint32_t>(replaced.load());
  // In pole order, so that the strs lie in memory as the loop below visits them.
  std::sort(missing.begin(), missing.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [first, list] : missing) {
    for (const std::uint32_t p : list) {
      PyObject* str = number_str(snap.pole_by_index(p).number());
      if (!str) throw py::error_already_set();  // the strs made so far stay with the snapshot
      made[p] = py::reinterpret_steal<py::object>(str);
    }
  }
  {
    py::gil_scoped_release release;
    parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const std::int64_t p = indexes[i];
        PyObject* o = p < 0 ? nullptr : made[static_cast<std::size_t>(p)].ptr();
        dst[i] = o ? o : Py_None;  // a pole not live has no str: None
      }
    });
  }
  // The snapshot holds one reference to each str; each use in the array adds
  // one. Raised by all cores while this thread holds the GIL, so no Python
  // code runs meanwhile, and each str's count is written by one core only.
  // The counts are cleared on the way, for the next call.
  parallel_for(count, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t p = begin; p < end; ++p) {
      if (!uses[p]) continue;
      Py_SET_REFCNT(made[p].ptr(), Py_REFCNT(made[p].ptr()) + static_cast<py::ssize_t>(uses[p]));
      uses[p] = 0;
    }
  });
  if (uses[count]) Py_SET_REFCNT(Py_None, Py_REFCNT(Py_None) + uses[count]);
  uses[count] = 0;
  table.clean = true;
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
      .def("pole_numbers", [](PySnapshot& s, py::handle indexes, long long threads) {
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
        auto indexes = with_huge_pages(py::array_t<std::int32_t>(shape));
        auto distances = with_huge_pages(py::array_t<double>(shape));
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
