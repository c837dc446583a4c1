// The extension module mmgraph._mmgraph: the library's data set, config, training
// (GIL released; the per-epoch callback re-acquires it) and recommendations, with
// NumPy arrays in and out. The public Python API (python/mmgraph/__init__.py)
// wraps these names; InputError becomes mmgraph.InputError (a ValueError), every
// other mmgraph::Error a RuntimeError, both with the CLI's message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "mmgraph/mmgraph.h"
#include "python/src/arrays.h"

namespace py = pybind11;

namespace mmgraph::python {
namespace {

using DatasetPtr = std::shared_ptr<Dataset>;
using ResultPtr = std::shared_ptr<TrainResult>;

py::dict metrics_dict(const MetricTable& table) {
  py::dict d;
  for (const auto& [name, value] : table.items()) d[py::str(name)] = value;
  return d;
}

py::dict record_dict(const EpochRecord& rec) {
  py::dict d;
  d["epoch"] = rec.epoch;
  d["loss"] = rec.loss;
  d["train_seconds"] = rec.train_seconds;
  d["eval_seconds"] = rec.eval_seconds;
  d["evaluated"] = rec.evaluated;
  d["valid"] = rec.evaluated ? py::object(metrics_dict(rec.valid)) : py::object(py::none());
  d["valid_cold"] = rec.valid_cold.empty() ? py::object(py::none()) : py::object(metrics_dict(rec.valid_cold));
  return d;
}

// A config value as config_items prints it, read back as YAML: integers, floats,
// booleans, strings, lists and mappings become the Python types.
py::object yaml_to_py(const YAML::Node& node) {
  if (node.IsSequence()) {
    py::list out;
    for (const auto& item : node) out.append(yaml_to_py(item));
    return out;
  }
  if (node.IsMap()) {
    py::dict out;
    for (const auto& entry : node) out[py::str(entry.first.Scalar())] = yaml_to_py(entry.second);
    return out;
  }
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return py::str(text);  // quoted
  if (text == "true" || text == "false") return py::bool_(text == "true");
  int64_t i = 0;
  if (YAML::convert<int64_t>::decode(node, i)) return py::int_(i);
  double x = 0;
  if (YAML::convert<double>::decode(node, x)) return py::float_(x);
  return py::str(text);
}

py::dict config_dict(const TrainConfig& config) {
  py::dict d;
  for (const auto& [key, value] : config_items(config)) d[py::str(key)] = yaml_to_py(YAML::Load(value));
  return d;
}

// Later files override earlier ones, then the key=value assignments, then the
// ranges are checked: the CLI's order, so the messages are the CLI's.
TrainConfig make_config(const TrainConfig& base, const std::vector<std::string>& yaml_paths,
                        const std::vector<std::string>& assignments) {
  TrainConfig config = base;
  for (const auto& path : yaml_paths) config = load_config(path, config);
  for (const auto& assignment : assignments) apply_override(config, assignment);
  validate_config(config);
  return config;
}

// (users, items) pairs of one split as a CSR by user (duplicates collapse).
InteractionCsr split_from_arrays(const std::string& split, py::handle users, py::handle items, int32_t n_users,
                                 int32_t n_items) {
  const std::string source = "Dataset.from_arrays";
  const std::vector<int32_t> u = ids_from_array(users, source, split + " users", split + " pair ", "user", n_users);
  const std::vector<int32_t> i = ids_from_array(items, source, split + " items", split + " pair ", "item", n_items);
  if (u.size() != i.size())
    throw InputError(source, split,
                     std::to_string(u.size()) + " users but " + std::to_string(i.size()) + " items (one of each per pair)");
  std::vector<std::pair<int32_t, int32_t>> pairs(u.size());
  for (size_t p = 0; p < u.size(); ++p) pairs[p] = {u[p], i[p]};
  return interactions_from_pairs(n_users, std::move(pairs));
}

DatasetPtr dataset_from_arrays(int64_t n_users, int64_t n_items, const py::dict& splits, const py::dict& features,
                               const std::string& name) {
  const std::string source = "Dataset.from_arrays";
  for (const auto& [what, n] : {std::pair<const char*, int64_t>{"n_users", n_users}, {"n_items", n_items}})
    if (n < 0 || n > INT32_MAX) throw InputError(source, what, "must be in 0..2147483647, got " + std::to_string(n));
  auto data = std::make_shared<Dataset>();
  data->name = name;
  data->n_users = static_cast<int32_t>(n_users);
  data->n_items = static_cast<int32_t>(n_items);
  for (const auto& [split, csr] : {std::pair<const char*, InteractionCsr*>{"train", &data->train},
                                   {"valid", &data->valid}, {"test", &data->test}}) {
    if (splits.contains(split)) {  // (users, items), as the Python layer passes it
      const py::tuple pair = splits[split];
      *csr = split_from_arrays(split, pair[0], pair[1], data->n_users, data->n_items);
    } else {
      csr->row_ptr.assign(static_cast<size_t>(n_users) + 1, 0);
    }
  }
  for (const auto& [key, value] : features) {
    FeatureMatrix f;
    f.name = py::str(key);
    if (f.name.empty()) throw InputError(source, "features", "a modality needs a name");
    f.rows = n_items;
    f.values = float_matrix(value, source, "features['" + f.name + "']", n_items, f.cols);
    data->features.push_back(std::move(f));
  }
  validate_dataset(*data);
  return data;
}

// load_dataset with LoadOptions' fields given by name (the others keep their defaults).
DatasetPtr load_dataset_py(const std::string& spec, const py::dict& options) {
  LoadOptions o;
  for (const auto& [key, value] : options) {
    const std::string name = py::str(key);
    auto get = [&](auto& field, const char* type_name) {
      try {
        field = value.cast<std::remove_reference_t<decltype(field)>>();
      } catch (const py::cast_error&) {
        throw py::type_error("load_dataset(): " + name + " must be " + type_name + ", got " +
                             std::string(py::repr(value)));
      }
    };
    if (name == "kcore") get(o.kcore, "an int");
    else if (name == "split") get(o.split, "a str");
    else if (name == "train_ratio") get(o.train_ratio, "a float");
    else if (name == "valid_ratio") get(o.valid_ratio, "a float");
    else if (name == "seed") get(o.seed, "a non-negative int");
    else if (name == "load_features") get(o.load_features, "a bool");
    else if (name == "kg_path") get(o.kg_path, "a str");
    else throw py::type_error("load_dataset() got an unexpected keyword argument '" + name +
                              "' (known: kcore, split, train_ratio, valid_ratio, seed, load_features, kg_path)");
  }
  py::gil_scoped_release release;
  return std::make_shared<Dataset>(load_dataset(spec, o));
}

void add_feature(Dataset& data, const std::string& name, py::handle values) {
  if (name.empty()) throw InputError("Dataset.add_feature", "", "a modality needs a name");
  FeatureMatrix f;
  f.name = name;
  f.rows = data.n_items;
  f.values = float_matrix(values, "Dataset.add_feature", name, data.n_items, f.cols);
  for (FeatureMatrix& existing : data.features)
    if (existing.name == name) {
      existing = std::move(f);
      return;
    }
  data.features.push_back(std::move(f));
}

py::tuple interactions(const Dataset& data, const std::string& split) {
  const InteractionCsr* csr = split == "train" ? &data.train : split == "valid" ? &data.valid
                              : split == "test" ? &data.test : nullptr;
  if (!csr) throw InputError("Dataset.interactions", "", "split must be train, valid or test, got '" + split + "'");
  std::vector<int32_t> users(csr->col.size()), items = csr->col.to_vector();
  for (size_t u = 0; u + 1 < csr->row_ptr.size(); ++u)
    for (int64_t k = csr->row_ptr[u]; k < csr->row_ptr[u + 1]; ++k) users[static_cast<size_t>(k)] = static_cast<int32_t>(u);
  const int64_t n = static_cast<int64_t>(users.size());
  return py::make_tuple(array_owning(std::move(users), n, 0), array_owning(std::move(items), n, 0));
}

// A copy: add_feature / add_modality may replace the feature's memory later.
py::array feature_copy(const Dataset& data, const std::string& name) {
  for (const FeatureMatrix& f : data.features)
    if (f.name == name) return array_owning(f.values.to_vector(), f.rows, f.cols);
  std::string known;
  for (const FeatureMatrix& f : data.features) known += (known.empty() ? "" : ", ") + f.name;
  throw py::key_error("no feature '" + name + "' (the data set has: " + (known.empty() ? "none" : known) + ")");
}

ResultPtr train_py(const DatasetPtr& data, const TrainConfig& config, const py::object& on_epoch, bool progress,
                   const std::string& log_path) {
  TrainOptions options;
  options.progress = progress;
  options.log_path = log_path;
  // Runs on the training thread without the GIL: take it for the callback (and
  // for Ctrl-C, checked once per epoch). A Python exception unwinds train().
  options.on_epoch = [&on_epoch](const EpochRecord& rec) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!on_epoch.is_none()) on_epoch(record_dict(rec));
  };
  auto result = std::make_shared<TrainResult>();
  {
    py::gil_scoped_release release;
    *result = train(*data, config, options);
  }
  return result;
}

py::array rep_view(py::object self, bool users) {
  const TrainResult& r = self.cast<const TrainResult&>();
  const std::vector<float>& rep = users ? r.user_rep : r.item_rep;
  const int64_t dim = r.dim > 0 ? r.dim : 1;
  return view_of(rep.data(), static_cast<int64_t>(rep.size()) / dim, dim, self);
}

// [rows x dim] float32 C-order view of a representation matrix (a copy only when
// the dtype or the layout differ).
py::array_t<float, py::array::c_style | py::array::forcecast> rep_matrix(py::handle obj, const char* what,
                                                                          int64_t rows, const char* noun) {
  py::array a = py::array::ensure(obj);
  if (!a || a.dtype().kind() != 'f') {
    PyErr_Clear();
    throw InputError("recommend", what, "expected a float array");
  }
  if (a.ndim() != 2 || a.shape(0) != rows)
    throw InputError("recommend", what, std::string("expected shape (") + std::to_string(rows) + ", dim): one row per " + noun);
  return py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(a);
}

py::tuple recommend_py(const Dataset& data, py::handle user_rep, py::handle item_rep, py::handle users, int k,
                       bool exclude_train, bool exclude_valid, int64_t user_block, const std::string& device) {
  const auto ur = rep_matrix(user_rep, "user_rep", data.n_users, "user");
  const auto ir = rep_matrix(item_rep, "item_rep", data.n_items, "item");
  if (ur.shape(1) != ir.shape(1))
    throw InputError("recommend", "item_rep",
                     "has " + std::to_string(ir.shape(1)) + " columns, user_rep " + std::to_string(ur.shape(1)));
  std::vector<int32_t> ids;
  if (users.is_none()) {
    ids.resize(static_cast<size_t>(data.n_users));
    for (int32_t u = 0; u < data.n_users; ++u) ids[static_cast<size_t>(u)] = u;
  } else {
    ids = ids_from_array(users, "recommend", "users", "user ", "user", data.n_users);
  }
  RecommendOptions options;
  options.k = k;
  options.exclude_train = exclude_train;
  options.exclude_valid = exclude_valid;
  options.user_block = user_block;
  options.device = device;
  TopK top;
  {
    py::gil_scoped_release release;
    top = recommend_topk(data, ur.data(), ir.data(), static_cast<int>(ur.shape(1)), ids, options);
  }
  const int64_t n = static_cast<int64_t>(ids.size());
  py::array cold = array_owning(std::move(top.cold), n, 0);
  return py::make_tuple(array_owning(std::move(top.items), n, k), array_owning(std::move(top.scores), n, k),
                        cold.attr("view")("bool"));
}

}  // namespace
}  // namespace mmgraph::python

PYBIND11_MODULE(_mmgraph, m) {
  using namespace mmgraph;
  using namespace mmgraph::python;
  m.doc() = "mmgraph's C++ engine; use the package mmgraph, which wraps it.";
  m.attr("__version__") = MMGRAPH_VERSION_STRING;
  m.attr("built_with_cuda") = static_cast<bool>(MMGRAPH_BUILT_WITH_CUDA);

  static py::exception<InputError> input_error(m, "InputError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(input_error.ptr(), e.what());
    } catch (const Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  py::class_<Dataset, DatasetPtr>(m, "_Dataset")
      .def_readonly("name", &Dataset::name)
      .def_readonly("n_users", &Dataset::n_users)
      .def_readonly("n_items", &Dataset::n_items)
      .def_property_readonly("kg_triples", [](const Dataset& d) { return d.kg.n_triples(); })
      .def_readonly("user_ids", &Dataset::user_ids)
      .def_readonly("item_ids", &Dataset::item_ids)
      .def("nnz", [](const Dataset& d) { return py::make_tuple(d.train.nnz(), d.valid.nnz(), d.test.nnz()); })
      .def("feature_names",
           [](const Dataset& d) {
             std::vector<std::string> names;
             for (const auto& f : d.features) names.push_back(f.name);
             return names;
           })
      .def("feature", &feature_copy)
      .def("add_feature", &add_feature)
      .def("add_modality", &add_modality)
      .def("interactions", &interactions)
      .def("save", &save_dataset_binary, py::call_guard<py::gil_scoped_release>());

  m.def("load_dataset", &load_dataset_py, py::arg("spec"), py::arg("options"));
  m.def("dataset_from_arrays", &dataset_from_arrays);
  m.def("model_reads_features", &model_reads_features, py::arg("model"));

  py::class_<TrainConfig>(m, "_Config")
      .def(py::init<>())
      .def("derive", &make_config, py::arg("yaml_paths"), py::arg("assignments"))
      .def("items", &config_dict);

  py::class_<TrainResult, ResultPtr>(m, "_TrainResult")
      .def_readonly("device", &TrainResult::device)
      .def_readonly("epochs_run", &TrainResult::epochs_run)
      .def_readonly("best_epoch", &TrainResult::best_epoch)
      .def_readonly("seconds", &TrainResult::seconds)
      .def_readonly("seconds_to_best", &TrainResult::seconds_to_best)
      .def_readonly("dim", &TrainResult::dim)
      .def_property_readonly("best_valid", [](const TrainResult& r) { return metrics_dict(r.best_valid); })
      .def_property_readonly("best_valid_warm", [](const TrainResult& r) { return metrics_dict(r.best_valid_warm); })
      .def_property_readonly("best_valid_cold", [](const TrainResult& r) { return metrics_dict(r.best_valid_cold); })
      .def_property_readonly("best_valid_cold_among_cold",
                             [](const TrainResult& r) { return metrics_dict(r.best_valid_cold_among_cold); })
      .def_property_readonly("test", [](const TrainResult& r) { return metrics_dict(r.test); })
      .def_property_readonly("test_warm", [](const TrainResult& r) { return metrics_dict(r.test_warm); })
      .def_property_readonly("test_cold", [](const TrainResult& r) { return metrics_dict(r.test_cold); })
      .def_property_readonly("test_cold_among_cold",
                             [](const TrainResult& r) { return metrics_dict(r.test_cold_among_cold); })
      .def_property_readonly("history",
                             [](const TrainResult& r) {
                               py::list out;
                               for (const auto& rec : r.history) out.append(record_dict(rec));
                               return out;
                             })
      .def_property_readonly("user_rep", [](py::object self) { return rep_view(self, true); })
      .def_property_readonly("item_rep", [](py::object self) { return rep_view(self, false); });

  m.def("train", &train_py, py::arg("data"), py::arg("config"), py::arg("on_epoch"), py::arg("progress"),
        py::arg("log_path"));
  m.def("recommend", &recommend_py, py::arg("data"), py::arg("user_rep"), py::arg("item_rep"), py::arg("users"),
        py::arg("k"), py::arg("exclude_train"), py::arg("exclude_valid"), py::arg("user_block"), py::arg("device"));
}
