// service.cpp: opening a database, importing, single writes, the current snapshot.
//
// Service.snapshot() hands out the same Python Snapshot object for as long as
// the C++ facade publishes the same snapshot, so per-snapshot caches (the grid
// id strings of grid_ids_at) are made once, not once per call.
#include "binding.hpp"


namespace poleloc::python {
namespace {

Attributes attributes_from(py::handle h, const std::string& where) {
  Attributes out;
  if (h.is_none()) return out;
  if (py::isinstance<py::dict>(h)) {
    for (auto [k, v] : py::reinterpret_borrow<py::dict>(h)) {
      if (auto a = attribute_from_python(py::str(k).cast<std::string>(), v)) out.push_back(std::move(*a));
    }
    return out;
  }
  if (!py::isinstance<py::sequence>(h)) {
    raise(ErrorCode::invalid_input, where + ": attributes must be a dict or a list of (name, value) pairs");
  }
  for (py::handle pair : py::reinterpret_borrow<py::sequence>(h)) {
    auto kv = py::reinterpret_borrow<py::sequence>(pair);
    if (kv.size() != 2) raise(ErrorCode::invalid_input, where + ": an attribute is a (name, value) pair");
    if (auto a = attribute_from_python(py::str(kv[0]).cast<std::string>(), kv[1])) out.push_back(std::move(*a));
  }
  return out;
}

ImportReport run_import(const std::shared_ptr<Service>& service, Dataset dataset, const ImportOptions& options) {
  Result<ImportReport> report = Status(ErrorCode::internal, "not run");
  {
    py::gil_scoped_release release;
    report = service->import(std::move(dataset), options);
  }
  return unwrap(std::move(report));
}

}  // namespace

void bind_service(py::module_& m) {
  py::class_<ImportReport>(m, "ImportReport", "What an import stored, removed and (with skip_invalid) rejected.")
      .def_readonly("poles", &ImportReport::poles)
      .def_readonly("grids", &ImportReport::grids)
      .def_readonly("aliases", &ImportReport::aliases)
      .def_readonly("places", &ImportReport::places)
      .def_readonly("roads", &ImportReport::roads)
      .def_readonly("removed_poles", &ImportReport::removed_poles)
      .def_readonly("removed_grids", &ImportReport::removed_grids)
      .def_readonly("changed_records", &ImportReport::changed_records,
                    "poles, grids and aliases written because they were new or different; 0 for an identical re-import")
      .def_readonly("dry_run", &ImportReport::dry_run, "True: nothing was stored; the report says what an import would do")
      .def_readonly("repairs", &ImportReport::repairs, "with repair=True: each repaired grid, what was wrong, where, area change")
      .def_readonly("overlaps", &ImportReport::overlaps, "with allow_overlap=True: each pair of overlapping grids")
      .def_property_readonly("diff", [](const ImportReport& r) {
        auto counts = [](const ImportDiff::Counts& c) {
          py::dict d;
          d["added"] = c.added;
          d["changed"] = c.changed;
          d["removed"] = c.removed;
          d["unchanged"] = c.unchanged;
          d["added_ids"] = c.added_ids;
          d["changed_ids"] = c.changed_ids;
          d["removed_ids"] = c.removed_ids;
          return d;
        };
        py::dict d;
        d["poles"] = counts(r.diff.poles);
        d["grids"] = counts(r.diff.grids);
        d["summary"] = r.diff.summary();
        return d;
      }, "{'poles': {added, changed, removed, unchanged, added_ids, changed_ids, removed_ids}, 'grids': {...}, "
         "'summary': 'will add ...'}; ids: the first 20 of each")
      .def_property_readonly("rejects", [](const ImportReport& r) {
        std::vector<std::string> out;
        for (const InputError& e : r.rejects) out.push_back(e.to_string());
        return out;
      }, "one line per rejected row or feature: file:line or feature, field, reason")
      .def("__repr__", [](const ImportReport& r) {
        return "ImportReport(poles=" + std::to_string(r.poles) + ", grids=" + std::to_string(r.grids) +
               ", aliases=" + std::to_string(r.aliases) + ", removed_poles=" + std::to_string(r.removed_poles) +
               ", removed_grids=" + std::to_string(r.removed_grids) + ", rejects=" +
               std::to_string(r.rejects.size()) + ")";
      });

  py::class_<PyService> cls(m, "Service", "An open poleloc database (the C++ poleloc::Service).");
  bind_history(cls);
  cls.def_static("open", [](std::string path, bool read_only, bool create_if_missing) {
        Result<std::unique_ptr<Service>> opened = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          opened = Service::open(path, {.read_only = read_only, .create_if_missing = create_if_missing});
        }
        PyService s;
        s.path = path;
        s.service = std::shared_ptr<Service>(unwrap(std::move(opened)).release());
        return s;
      }, py::arg("path"), py::arg("read_only") = true, py::arg("create_if_missing") = true)
      .def("snapshot", [](PyService& s) -> py::object {
        return s.snapshot_object(s.get()->snapshot());
      })
      .def("import_files", [](PyService& s, std::string poles, std::string grids, std::string aliases,
                              std::string crs, bool skip_invalid, bool replace, double max_remove_share,
                              std::string places, bool dry_run, bool merge, std::string roads, std::string poles_crs,
                              std::string grids_crs, std::string columns, std::string encoding, std::string id_field,
                              std::string name_field, std::string layer, std::string poles_layer, bool repair,
                              bool allow_overlap) {
        auto service = s.get();
        ImportOptions options;
        options.poles_crs = std::move(poles_crs);
        options.grids_crs = std::move(grids_crs);
        options.columns = std::move(columns);
        options.encoding = std::move(encoding);
        options.id_field = std::move(id_field);
        options.name_field = std::move(name_field);
        options.grids_layer = std::move(layer);
        options.poles_layer = std::move(poles_layer);
        options.repair = repair;
        options.allow_overlap = allow_overlap;
        options.dry_run = dry_run;
        options.merge = merge;
        options.crs = std::move(crs);
        options.skip_invalid = skip_invalid;
        options.replace = replace;
        options.max_remove_share = max_remove_share;
        const ImportSources sources{std::move(poles), std::move(grids), std::move(aliases), std::move(places),
                                    std::move(roads)};
        Result<ImportReport> report = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          report = service->import(sources, options);
        }
        return unwrap(std::move(report));
      }, py::arg("poles"), py::arg("grids"), py::arg("aliases") = "", py::arg("crs") = "EPSG:4326",
         py::arg("skip_invalid") = false, py::arg("replace") = false, py::arg("max_remove_share") = 0.10,
         py::arg("places") = "", py::arg("dry_run") = false, py::arg("merge") = false, py::arg("roads") = "", py::arg("poles_crs") = "",
         py::arg("grids_crs") = "", py::arg("columns") = "", py::arg("encoding") = "", py::arg("id_field") = "",
         py::arg("name_field") = "", py::arg("layer") = "", py::arg("poles_layer") = "", py::arg("repair") = false,
         py::arg("allow_overlap") = false)
      .def("import_records", [](PyService& s, std::vector<std::string> numbers,
                                py::array_t<double, py::array::c_style | py::array::forcecast> lons,
                                py::array_t<double, py::array::c_style | py::array::forcecast> lats,
                                std::vector<std::pair<std::string, std::vector<py::object>>> columns,
                                py::list grids, std::optional<std::vector<std::pair<std::string, std::string>>> aliases,
                                bool skip_invalid, bool replace, double max_remove_share, bool dry_run, bool merge,
                                bool allow_overlap) {
        // Records in WGS84, validated by the facade exactly as file rows are.
        auto service = s.get();
        const std::size_t n = numbers.size();
        if (static_cast<std::size_t>(lons.size()) != n || static_cast<std::size_t>(lats.size()) != n) {
          raise(ErrorCode::bad_request, "poles: number, lon and lat columns must have the same length");
        }
        for (const auto& [name, values] : columns) {
          if (values.size() != n) raise(ErrorCode::bad_request, "poles: column " + name + " has the wrong length");
        }
        Dataset dataset;
        dataset.poles.reserve(n);
        const double* lo = lons.data();
        const double* la = lats.data();
        for (std::size_t i = 0; i < n; ++i) {
          PoleRecord p{std::move(numbers[i]), {lo[i], la[i]}, {}};
          for (auto& [name, values] : columns) {
            if (auto a = attribute_from_python(name, values[i])) p.attributes.push_back(std::move(*a));
          }
          dataset.poles.push_back(std::move(p));
        }
        std::size_t index = 0;
        for (py::handle row : grids) {
          auto t = py::reinterpret_borrow<py::sequence>(row);
          if (t.size() != 4) raise(ErrorCode::bad_request, "grids: each record is (id, name, attributes, geometry)");
          GridRecord g;
          g.id = py::str(t[0]).cast<std::string>();
          g.name = t[1].is_none() ? std::string() : py::str(t[1]).cast<std::string>();
          const std::string where = "grids: feature " + std::to_string(index) + " (id '" + g.id + "')";
          g.attributes = attributes_from(t[2], where);
          g.geometry = geometry_from_python(t[3], where + ": geometry");
          dataset.grids.push_back(std::move(g));
          ++index;
        }
        if (aliases) {
          dataset.has_aliases = true;
          for (auto& [alias, code] : *aliases) dataset.aliases.push_back({std::move(alias), std::move(code)});
        }
        ImportOptions options;
        options.skip_invalid = skip_invalid;
        options.replace = replace;
        options.max_remove_share = max_remove_share;
        options.dry_run = dry_run;
        options.merge = merge;
        options.allow_overlap = allow_overlap;
        return run_import(service, std::move(dataset), options);
      }, py::arg("numbers"), py::arg("lons"), py::arg("lats"), py::arg("columns"), py::arg("grids"),
         py::arg("aliases"), py::arg("skip_invalid") = false, py::arg("replace") = false,
         py::arg("max_remove_share") = 0.10, py::arg("dry_run") = false, py::arg("merge") = false,
         py::arg("allow_overlap") = false)
      .def("put_pole", [](PyService& s, std::string number, double lon, double lat, py::object attributes,
                          std::string author) {
        auto service = s.get();
        PoleRecord pole{std::move(number), {lon, lat}, attributes_from(attributes, "attributes")};
        const WriteOptions options{.author = std::move(author)};
        check_released([&] { return service->put_pole(std::move(pole), options); });
      }, py::arg("number"), py::arg("lon"), py::arg("lat"), py::arg("attributes") = py::none(), py::arg("author") = "")
      .def("delete_pole", [](PyService& s, std::string number, std::string author) {
        auto service = s.get();
        const WriteOptions options{.author = std::move(author)};
        check_released([&] { return service->delete_pole(number, options); });
      }, py::arg("number"), py::arg("author") = "")
      .def("put_grid", [](PyService& s, std::string id, py::object geometry, std::string name, py::object attributes,
                          std::string author) {
        auto service = s.get();
        GridRecord grid;
        grid.id = std::move(id);
        grid.name = std::move(name);
        grid.attributes = attributes_from(attributes, "attributes");
        grid.geometry = geometry_from_python(geometry, "geometry");
        const WriteOptions options{.author = std::move(author)};
        check_released([&] { return service->put_grid(std::move(grid), options); });
      }, py::arg("id"), py::arg("geometry"), py::arg("name") = "", py::arg("attributes") = py::none(),
         py::arg("author") = "")
      .def("delete_grid", [](PyService& s, std::string id, std::string author) {
        auto service = s.get();
        const WriteOptions options{.author = std::move(author)};
        check_released([&] { return service->delete_grid(id, options); });
      }, py::arg("id"), py::arg("author") = "")
      .def("apply", [](PyService& s, py::list put_poles, std::vector<std::string> delete_poles, py::list put_grids,
                       std::vector<std::string> delete_grids, bool allow_overlap, std::string author) {
        // Records as (number, lon, lat, attributes) and (id, name, attributes, geometry); the
        // facade checks them all and stores every one or none (Service::apply).
        auto service = s.get();
        ChangeSet changes;
        std::vector<std::string> bad;
        std::size_t i = 0;
        for (py::handle row : put_poles) {
          auto t = py::reinterpret_borrow<py::sequence>(row);
          const std::string number = py::str(t[0]).cast<std::string>();
          const std::string where = "put_poles[" + std::to_string(i++) + "] (" + number + ")";
          try {
            changes.put_poles.push_back({number, {t[1].cast<double>(), t[2].cast<double>()},
                                         attributes_from(t[3], "attributes")});
          } catch (const StatusError& e) {
            bad.push_back(where + ": " + e.status().message());
          } catch (const py::cast_error&) {
            bad.push_back(where + ": lon and lat must be numbers");
          }
        }
        i = 0;
        for (py::handle row : put_grids) {
          auto t = py::reinterpret_borrow<py::sequence>(row);
          GridRecord g;
          g.id = py::str(t[0]).cast<std::string>();
          const std::string where = "put_grids[" + std::to_string(i++) + "] (" + g.id + ")";
          try {
            g.name = t[1].is_none() ? std::string() : py::str(t[1]).cast<std::string>();
            g.attributes = attributes_from(t[2], "attributes");
            g.geometry = geometry_from_python(t[3], "geometry");
            changes.put_grids.push_back(std::move(g));
          } catch (const StatusError& e) {
            bad.push_back(where + ": " + e.status().message());
          }
        }
        if (!bad.empty()) {
          std::string msg = std::to_string(bad.size()) + (bad.size() == 1 ? " bad item" : " bad items") +
                            " in the batch; nothing was stored";
          for (const auto& b : bad) msg += "\n  " + b;
          raise(ErrorCode::invalid_input, msg);
        }
        changes.delete_poles = std::move(delete_poles);
        changes.delete_grids = std::move(delete_grids);
        const WriteOptions options{.author = std::move(author), .allow_overlap = allow_overlap};
        Result<ApplyReport> report = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          report = service->apply(std::move(changes), options);
        }
        const ApplyReport r = unwrap(std::move(report));
        py::dict out;
        out["sequence"] = r.sequence;
        out["written"] = r.written;
        out["overlaps"] = r.overlaps;
        return out;
      }, py::arg("put_poles"), py::arg("delete_poles"), py::arg("put_grids"), py::arg("delete_grids"),
         py::arg("allow_overlap") = false, py::arg("author") = "")
      .def("export", [](PyService& s, std::string poles, std::string grids, std::string aliases, std::string places) {
        auto service = s.get();
        check_released([&] { return service->export_to(poles, grids, aliases, places); });
      }, py::arg("poles"), py::arg("grids"), py::arg("aliases") = "", py::arg("places") = "")
      .def("close", [](PyService& s) {
        s.cached_object = py::object();
        s.cached.reset();
        std::shared_ptr<Service> service = std::move(s.service);
        py::gil_scoped_release release;  // closing flushes RocksDB
        service.reset();
      })
      .def_property_readonly("closed", [](const PyService& s) { return !s.service; })
      .def_property_readonly("path", [](const PyService& s) { return s.path; })
      .def_property_readonly("read_only", [](const PyService& s) { return s.get()->read_only(); });
}

}  // namespace poleloc::python
