// The knowledge-graph reader: KGAT's kg_final.txt and its optional id lists.
#include "io/knowledge_graph.h"

#include <algorithm>
#include <compare>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "io/block_column.h"
#include "io/line_reader.h"
#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

namespace {

namespace fs = std::filesystem;

// Ids are counts: n = largest id + 1 must fit in int32_t.
constexpr int64_t kMaxId = std::numeric_limits<int32_t>::max();

struct Triple {
  int32_t head, relation, tail;
  auto operator<=>(const Triple&) const = default;
};

std::string at_line(size_t number) { return "line " + std::to_string(number); }

// Splits a line at runs of spaces and tabs.
void split_whitespace(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  for (size_t start = line.find_first_not_of(" \t"); start != std::string_view::npos;) {
    const size_t end = line.find_first_of(" \t", start);
    fields.push_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    start = end == std::string_view::npos ? end : line.find_first_not_of(" \t", end);
  }
}

// The fields of one line, which must number `count` (`names` lists them for the message).
void require_fields(const std::vector<std::string_view>& fields, size_t count, const char* names,
                    const KgText& text, size_t number) {
  if (fields.size() != count)
    throw InputError(text.source, at_line(number), fmt::format("expected {} fields ({}), found {}", count, names, fields.size()));
}

// A field that must be an id in [0, kMaxId); `what` names it in the message.
int32_t parse_id(std::string_view field, const char* what, const KgText& text, size_t number) {
  int64_t v = 0;
  if (!parse_int64(field, v) || v < 0 || v >= kMaxId)
    throw InputError(text.source, at_line(number),
                     fmt::format("{} '{}' is not an integer in [0, {})", what, excerpt(field), kMaxId));
  return static_cast<int32_t>(v);
}

// The size of an id list (entity_list.txt, relation_list.txt): the header
// "org_id remap_id", then "name id" a line naming the ids 0 .. n-1 each once.
int32_t read_id_list(const KgText& text, const char* what) {
  LineReader lines(*text.in, text.source);
  std::vector<std::string_view> fields;
  std::vector<std::pair<int32_t, size_t>> ids;  // id, line
  bool header = true;
  for_each_line(lines, [&](std::string_view line, size_t number) {
    split_whitespace(line, fields);
    if (header) {
      if (fields.size() != 2 || fields[0] != "org_id" || fields[1] != "remap_id")
        throw InputError(text.source, at_line(number), "expected the header 'org_id remap_id', found '" + excerpt(line) + "'");
      header = false;
      return;
    }
    require_fields(fields, 2, "name id", text, number);
    ids.push_back({parse_id(fields[1], what, text, number), number});
  });
  std::vector<size_t> line_of(ids.size(), 0);
  for (const auto& [id, number] : ids) {
    if (static_cast<size_t>(id) >= ids.size())
      throw InputError(text.source, at_line(number),
                       fmt::format("{} id {} is beyond the {} listed: ids must be 0 .. n-1", what, id, ids.size()));
    if (line_of[static_cast<size_t>(id)] != 0)
      throw InputError(text.source, at_line(number),
                       fmt::format("{} id {} is listed twice (first on line {})", what, id, line_of[static_cast<size_t>(id)]));
    line_of[static_cast<size_t>(id)] = number;
  }
  return static_cast<int32_t>(ids.size());  // at most kMaxId: the ids are distinct and below it
}

// The largest id of one kind in the triples and the line that holds it.
struct LargestId {
  int32_t id = -1;
  size_t line = 0;
  void see(int32_t v, size_t number) {
    if (v > id) {
      id = v;
      line = number;
    }
  }
};

// Ids may leave gaps, but not an id space far larger than the ids used: every id
// up to the largest costs an embedding (the rule of the interaction readers).
void check_dense(const LargestId& largest, std::vector<int32_t> ids, const char* what, const KgText& text) {
  const int64_t n = int64_t{largest.id} + 1;
  const int64_t slack = int64_t{1} << 20;
  if (n <= slack) return;
  std::sort(ids.begin(), ids.end());
  const auto distinct = static_cast<int64_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
  if (n > 16 * distinct + slack)
    throw InputError(text.source, at_line(largest.line),
                     fmt::format("{} id {} is far beyond the {} distinct {} ids used: ids must be dense (0 .. n-1)", what,
                                 largest.id, distinct, what));
}

}  // namespace

KnowledgeGraph read_knowledge_graph(const KgTexts& texts, int32_t n_items) {
  const std::optional<int32_t> listed_relations =
      texts.relation_list.in ? std::optional(read_id_list(texts.relation_list, "relation")) : std::nullopt;
  const std::optional<int32_t> listed_entities =
      texts.entity_list.in ? std::optional(read_id_list(texts.entity_list, "entity")) : std::nullopt;

  const KgText& text = texts.triples;
  LineReader lines(*text.in, text.source);
  std::vector<std::string_view> fields;
  BlockColumn<Triple> read;
  LargestId largest_entity, largest_relation;
  for_each_line(lines, [&](std::string_view line, size_t number) {
    split_whitespace(line, fields);
    require_fields(fields, 3, "head relation tail", text, number);
    const Triple t{parse_id(fields[0], "head", text, number), parse_id(fields[1], "relation", text, number),
                   parse_id(fields[2], "tail", text, number)};
    if (listed_relations && t.relation >= *listed_relations)
      throw InputError(text.source, at_line(number),
                       fmt::format("unknown relation {} ({} lists {})", t.relation, texts.relation_list.source, *listed_relations));
    for (const int32_t e : {t.head, t.tail})
      if (listed_entities && e >= *listed_entities)
        throw InputError(text.source, at_line(number),
                         fmt::format("unknown entity {} ({} lists {})", e, texts.entity_list.source, *listed_entities));
    largest_entity.see(std::max(t.head, t.tail), number);
    largest_relation.see(t.relation, number);
    read.push_back(t);
  });
  std::vector<Triple> triples = read.take();

  KnowledgeGraph kg;
  if (!listed_relations) {
    std::vector<int32_t> ids;
    if (largest_relation.id >= (1 << 20))
      for (const Triple& t : triples) ids.push_back(t.relation);
    check_dense(largest_relation, std::move(ids), "relation", text);
  }
  if (!listed_entities) {
    std::vector<int32_t> ids;
    if (largest_entity.id >= (1 << 20))
      for (const Triple& t : triples) ids.insert(ids.end(), {t.head, t.tail});
    check_dense(largest_entity, std::move(ids), "entity", text);
  }
  kg.n_relations = listed_relations ? *listed_relations : largest_relation.id + 1;
  kg.n_entities = listed_entities ? *listed_entities : largest_entity.id + 1;

  std::sort(triples.begin(), triples.end());
  triples.erase(std::unique(triples.begin(), triples.end()), triples.end());
  std::vector<int32_t> head, relation, tail;
  head.reserve(triples.size());
  relation.reserve(triples.size());
  tail.reserve(triples.size());
  for (const Triple& t : triples) {
    head.push_back(t.head);
    relation.push_back(t.relation);
    tail.push_back(t.tail);
  }
  std::vector<Triple>().swap(triples);
  kg.head = std::move(head);
  kg.relation = std::move(relation);
  kg.tail = std::move(tail);

  std::vector<int32_t> item_entity(static_cast<size_t>(n_items), -1);
  if (const KgText& map = texts.item2entity; map.in) {
    LineReader map_lines(*map.in, map.source);
    for_each_line(map_lines, [&](std::string_view line, size_t number) {
      split_whitespace(line, fields);
      require_fields(fields, 2, "item entity", map, number);
      const int32_t item = parse_id(fields[0], "item", map, number), entity = parse_id(fields[1], "entity", map, number);
      if (item >= n_items)
        throw InputError(map.source, at_line(number), fmt::format("item {} is beyond the data set's {} items", item, n_items));
      if (entity >= kg.n_entities)
        throw InputError(map.source, at_line(number),
                         fmt::format("entity {} is beyond the knowledge graph's {} entities", entity, kg.n_entities));
      int32_t& slot = item_entity[static_cast<size_t>(item)];
      if (slot >= 0) throw InputError(map.source, at_line(number), fmt::format("item {} is listed twice", item));
      slot = entity;
    });
  } else {
    if (listed_entities && *listed_entities < n_items)
      throw InputError(texts.entity_list.source, "",
                       fmt::format("lists {} entities, fewer than the data set's {} items (item i is entity i unless "
                                   "item2entity.txt maps the items)",
                                   *listed_entities, n_items));
    kg.n_entities = std::max(kg.n_entities, n_items);
    for (int32_t i = 0; i < n_items; ++i) item_entity[static_cast<size_t>(i)] = i;
  }
  kg.item_entity = std::move(item_entity);
  return kg;
}

KnowledgeGraph load_knowledge_graph(const std::string& triples_path, int32_t n_items) {
  const fs::path dir = fs::path(triples_path).parent_path();
  std::ifstream triples = open_file(triples_path);
  std::optional<std::ifstream> lists[3];
  KgTexts texts{{&triples, triples_path}, {}, {}, {}};
  KgText* slots[3] = {&texts.relation_list, &texts.entity_list, &texts.item2entity};
  const char* names[3] = {"relation_list.txt", "entity_list.txt", "item2entity.txt"};
  for (int k = 0; k < 3; ++k) {
    const std::string path = (dir / names[k]).string();
    if (!fs::exists(path)) continue;
    lists[k] = open_file(path);
    *slots[k] = {&*lists[k], path};
  }
  return read_knowledge_graph(texts, n_items);
}

}  // namespace mmgraph::io
