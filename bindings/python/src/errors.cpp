// errors.cpp: the exception hierarchy, made from the one error catalogue.
//
// poleloc.Error is the base; every catalogue entry with a python_class gets a
// subclass of that name carrying the entry's `code` (the JSON code string) and
// `http_status` as class attributes. A few also derive from the builtin that a
// Python caller would catch anyway (NotFound is a LookupError, the argument and
// input errors are ValueErrors), so `except ValueError` keeps working.
#include "binding.hpp"

#include <array>

namespace poleloc::python {
namespace {

constexpr std::size_t kMaxCodes = 64;
std::array<PyObject*, kMaxCodes> g_classes{};  // by ErrorCode value; owned for the process lifetime
PyObject* g_base = nullptr;

PyObject* builtin_base(ErrorCode code) {
  switch (code) {
    case ErrorCode::not_found: return PyExc_LookupError;
    case ErrorCode::bad_request:
    case ErrorCode::invalid_input: return PyExc_ValueError;
    default: return nullptr;
  }
}

PyObject* class_for(ErrorCode code) {
  const auto i = static_cast<std::size_t>(code);
  if (i < kMaxCodes && g_classes[i]) return g_classes[i];
  const auto internal = static_cast<std::size_t>(describe(ErrorCode::internal).code);
  return g_classes[internal] ? g_classes[internal] : g_base;
}

}  // namespace

void bind_errors(py::module_& m) {
  g_base = PyErr_NewExceptionWithDoc("poleloc.Error",
                                     "Base class of every poleloc error; the message is the library's.",
                                     PyExc_Exception, nullptr);
  if (!g_base) throw py::error_already_set();
  m.attr("Error") = py::handle(g_base);

  py::list catalogue;
  for (const ErrorInfo& e : error_catalogue()) {
    catalogue.append(py::make_tuple(static_cast<int>(e.code), e.http_status, std::string(e.json_code),
                                    std::string(e.python_class), std::string(e.summary)));
    if (e.python_class.empty()) continue;  // `ok`
    const auto i = static_cast<std::size_t>(e.code);
    if (i >= kMaxCodes) throw std::runtime_error("error catalogue code out of range");
    py::tuple bases = builtin_base(e.code) ? py::make_tuple(py::handle(g_base), py::handle(builtin_base(e.code)))
                                           : py::make_tuple(py::handle(g_base));
    py::dict attrs;
    attrs["code"] = std::string(e.json_code);
    attrs["http_status"] = e.http_status;
    const std::string name = "poleloc." + std::string(e.python_class);
    const std::string doc = std::string(e.summary) + " (" + std::string(e.json_code) + ", HTTP " +
                            std::to_string(e.http_status) + ")";
    PyObject* cls = PyErr_NewExceptionWithDoc(name.c_str(), doc.c_str(), bases.ptr(), attrs.ptr());
    if (!cls) throw py::error_already_set();
    g_classes[i] = cls;
    m.attr(std::string(e.python_class).c_str()) = py::handle(cls);
  }
  m.attr("ERROR_CATALOGUE") = catalogue;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      PyErr_SetString(class_for(e.status().code()), e.status().message().c_str());
    }
  });
}

}  // namespace poleloc::python
