// libFuzzer: any knowledge-graph texts are a valid graph or an InputError. The
// first byte is the item count; the rest is split at form feeds into the triples,
// the relation list, the entity list and item2entity (a list not reached, or empty,
// is absent; one of blanks is an empty file).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "io/knowledge_graph.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int32_t n_items = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> parts;
  for (size_t start = 0; parts.size() < 4;) {
    const size_t end = rest.find('\f', start);
    parts.emplace_back(rest.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  std::istringstream streams[4];
  mmgraph::io::KgTexts texts;
  mmgraph::io::KgText* slots[4] = {&texts.triples, &texts.relation_list, &texts.entity_list, &texts.item2entity};
  const char* names[4] = {"kg_final.txt", "relation_list.txt", "entity_list.txt", "item2entity.txt"};
  for (size_t k = 0; k < 4; ++k) {
    const bool present = k == 0 || (k < parts.size() && !parts[k].empty());
    if (present) streams[k].str(parts[k]);
    *slots[k] = {present ? &streams[k] : nullptr, names[k]};
  }
  try {
    mmgraph::Dataset d;
    d.n_items = n_items;
    for (auto* csr : {&d.train, &d.valid, &d.test}) csr->row_ptr = {0};
    d.kg = mmgraph::io::read_knowledge_graph(texts, n_items);
    mmgraph::validate_dataset(d);  // an Error here (sizes, order, ranges) is a bug
  } catch (const mmgraph::InputError&) {
  } catch (const mmgraph::Error&) {
    __builtin_trap();
  }
  return 0;
}
