// Knowledge graphs (io/knowledge_graph.h): KGAT's triples and lists parsed,
// every defect named by file and line, and the graph carried by `prepare`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "io/knowledge_graph.h"
#include "io/text_input.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

namespace fs = std::filesystem;

// The four texts of a knowledge graph; a list left nullopt is absent.
struct Texts {
  std::string triples;
  std::optional<std::string> relations, entities, item2entity;
};

KnowledgeGraph parse(const Texts& t, int32_t n_items) {
  std::istringstream triples(t.triples), relations(t.relations.value_or("")), entities(t.entities.value_or("")),
      item2entity(t.item2entity.value_or(""));
  const io::KgTexts texts{{&triples, "kg_final.txt"},
                          {t.relations ? &relations : nullptr, "relation_list.txt"},
                          {t.entities ? &entities : nullptr, "entity_list.txt"},
                          {t.item2entity ? &item2entity : nullptr, "item2entity.txt"}};
  return io::read_knowledge_graph(texts, n_items);
}

std::vector<int32_t> v(std::initializer_list<int32_t> x) { return x; }

TEST(KnowledgeGraph, TriplesAreSortedDuplicatesCollapseAndItemsAreTheirEntities) {
  const KnowledgeGraph kg = parse({"3 1 0\n\n0 0 2\r\n3  1\t0\n0 0 1\n", {}, {}, {}}, 2);
  EXPECT_EQ(kg.head, v({0, 0, 3}));
  EXPECT_EQ(kg.relation, v({0, 0, 1}));
  EXPECT_EQ(kg.tail, v({1, 2, 0}));
  EXPECT_EQ(kg.n_triples(), 3);
  EXPECT_EQ(kg.n_entities, 4);
  EXPECT_EQ(kg.n_relations, 2);
  EXPECT_EQ(kg.item_entity, v({0, 1}));
}

TEST(KnowledgeGraph, ItemsBeyondTheTriplesEntitiesAreEntitiesWithoutTriples) {
  const KnowledgeGraph kg = parse({"0 0 1\n", {}, {}, {}}, 5);
  EXPECT_EQ(kg.n_entities, 5);
  EXPECT_EQ(kg.item_entity, v({0, 1, 2, 3, 4}));
}

TEST(KnowledgeGraph, ListsSetTheCounts) {
  const std::string relations = "org_id remap_id\nhttp://rdf.freebase.com/ns/film.film.actor 0\nfilm.genre 2\nr.x 1\n";
  const std::string entities = "org_id remap_id\nm.0a 0\nm.0b 1\nm.0c 2\nm.0d 3\nm.0e 4\nm.0f 5\n";
  const KnowledgeGraph kg = parse({"0 1 4\n1 0 5\n", relations, entities, {}}, 3);
  EXPECT_EQ(kg.n_relations, 3);
  EXPECT_EQ(kg.n_entities, 6);
  EXPECT_EQ(kg.item_entity, v({0, 1, 2}));
}

TEST(KnowledgeGraph, Item2EntityReplacesTheIdentity) {
  const KnowledgeGraph kg = parse({"0 0 1\n2 0 3\n", {}, {}, "2 3\n0 1\n"}, 4);
  EXPECT_EQ(kg.n_entities, 4);
  EXPECT_EQ(kg.item_entity, v({1, -1, 3, -1}));
}

// The file, position and a part of the problem an input must be rejected with.
struct Rejected {
  const char* what;
  Texts texts;
  int32_t n_items;
  const char* source;
  const char* position;
  const char* problem;
};

TEST(KnowledgeGraph, EveryDefectNamesTheFileAndLine) {
  const std::string list2 = "org_id remap_id\na 0\nb 1\n";
  const std::vector<Rejected> cases = {
      {"two fields", {"0 0 1\n0 1\n", {}, {}, {}}, 1, "kg_final.txt", "line 2", "expected 3 fields (head relation tail), found 2"},
      {"four fields", {"0 0 1 7\n", {}, {}, {}}, 1, "kg_final.txt", "line 1", "found 4"},
      {"not an integer", {"0 0 1\n\n0 x 1\n", {}, {}, {}}, 1, "kg_final.txt", "line 3", "relation 'x' is not an integer"},
      {"a fraction", {"0 0 1.5\n", {}, {}, {}}, 1, "kg_final.txt", "line 1", "tail '1.5' is not an integer"},
      {"negative", {"-1 0 1\n", {}, {}, {}}, 1, "kg_final.txt", "line 1", "head '-1' is not an integer in [0, 2147483647)"},
      {"past int32", {"2147483647 0 1\n", {}, {}, {}}, 1, "kg_final.txt", "line 1", "head '2147483647'"},
      {"past int64", {"0 0 99999999999999999999\n", {}, {}, {}}, 1, "kg_final.txt", "line 1", "tail '99999999999999999999'"},
      {"empty triples", {" \n\n", {}, {}, {}}, 1, "kg_final.txt", "", "the file is empty"},
      {"not UTF-8", {"0 0 1\n0 0 \xff\n", {}, {}, {}}, 1, "kg_final.txt", "2:5", "not UTF-8"},
      {"sparse entities", {"0 0 1\n0 0 2000000000\n", {}, {}, {}}, 1, "kg_final.txt", "line 2",
       "entity id 2000000000 is far beyond the 3 distinct entity ids used"},
      {"sparse relations", {"0 5000000 1\n", {}, {}, {}}, 1, "kg_final.txt", "line 1", "relation id 5000000 is far beyond"},
      {"unknown relation", {"0 1 1\n0 2 1\n", list2, {}, {}}, 1, "kg_final.txt", "line 2",
       "unknown relation 2 (relation_list.txt lists 2)"},
      {"unknown entity", {"0 0 1\n2 0 1\n", {}, list2, {}}, 1, "kg_final.txt", "line 2", "unknown entity 2 (entity_list.txt lists 2)"},
      {"list without header", {"0 0 1\n", "a 0\n", {}, {}}, 1, "relation_list.txt", "line 1", "expected the header 'org_id remap_id'"},
      {"list line of three", {"0 0 1\n", "org_id remap_id\na 0 x\n", {}, {}}, 1, "relation_list.txt", "line 2",
       "expected 2 fields (name id), found 3"},
      {"list id twice", {"0 0 1\n", {}, "org_id remap_id\na 0\nb 1\nc 1\n", {}}, 1, "entity_list.txt", "line 4",
       "entity id 1 is listed twice (first on line 3)"},
      {"list id beyond", {"0 0 1\n", {}, "org_id remap_id\na 0\nb 2\n", {}}, 1, "entity_list.txt", "line 3",
       "entity id 2 is beyond the 2 listed"},
      {"list id not an integer", {"0 0 1\n", "org_id remap_id\na zero\n", {}, {}}, 1, "relation_list.txt", "line 2",
       "relation 'zero' is not an integer"},
      {"empty list", {"0 0 1\n", {}, "", {}}, 1, "entity_list.txt", "", "the file is empty"},
      {"fewer entities than items", {"0 0 1\n", {}, list2, {}}, 3, "entity_list.txt", "",
       "lists 2 entities, fewer than the data set's 3 items"},
      {"item twice", {"0 0 1\n", {}, {}, "0 1\n1 0\n0 0\n"}, 2, "item2entity.txt", "line 3", "item 0 is listed twice"},
      {"item beyond", {"0 0 1\n", {}, {}, "0 1\n\n2 0\n"}, 2, "item2entity.txt", "line 3", "item 2 is beyond the data set's 2 items"},
      {"entity beyond", {"0 0 1\n", {}, {}, "0 2\n"}, 2, "item2entity.txt", "line 1",
       "entity 2 is beyond the knowledge graph's 2 entities"},
      {"map line of one", {"0 0 1\n", {}, {}, "0\n"}, 2, "item2entity.txt", "line 1", "expected 2 fields (item entity), found 1"},
      {"map negative", {"0 0 1\n", {}, {}, "0 -1\n"}, 2, "item2entity.txt", "line 1", "entity '-1' is not an integer"},
      {"empty map", {"0 0 1\n", {}, {}, "\n"}, 2, "item2entity.txt", "", "the file is empty"},
  };
  for (const Rejected& c : cases) {
    try {
      parse(c.texts, c.n_items);
      ADD_FAILURE() << c.what << ": accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(e.source(), c.source) << c.what << ": " << e.what();
      EXPECT_EQ(e.position(), c.position) << c.what << ": " << e.what();
      EXPECT_NE(e.problem().find(c.problem), std::string::npos) << c.what << ": " << e.what();
    }
  }
}

// A JSON-splits directory of 3 users and 4 items.
void write_splits(const testing::TempDir& dir) {
  dir.write("train.json", "{\"0\": [0, 2], \"1\": [1], \"2\": [3]}");
  dir.write("val.json", "{\"0\": [1]}");
  dir.write("test.json", "{\"1\": [2]}");
}

TEST(KnowledgeGraph, LoadedFromTheDataDirectoryWithItsLists) {
  testing::TempDir dir;
  write_splits(dir);
  const Dataset without = load_dataset(dir.path().string());
  EXPECT_TRUE(without.kg.empty());
  EXPECT_EQ(without.kg.n_entities, 0);
  EXPECT_TRUE(without.kg.item_entity.empty());

  dir.write("kg_final.txt", "4 0 5\n0 1 4\n1 1 4\n");
  dir.write("relation_list.txt", "org_id remap_id\nr0 0\nr1 1\nr2 2\n");
  const Dataset d = load_dataset(dir.path().string());
  EXPECT_EQ(d.kg.head, v({0, 1, 4}));
  EXPECT_EQ(d.kg.n_relations, 3);
  EXPECT_EQ(d.kg.n_entities, 6);
  EXPECT_EQ(d.kg.item_entity, v({0, 1, 2, 3}));

  dir.write("item2entity.txt", "3 5\n");
  EXPECT_EQ(load_dataset(dir.path().string()).kg.item_entity, v({-1, -1, -1, 5}));
  dir.write("item2entity.txt", "3 6\n");
  try {
    load_dataset(dir.path().string());
    ADD_FAILURE() << "an entity beyond the graph was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), (dir.path() / "item2entity.txt").string());
    EXPECT_EQ(e.position(), "line 1");
  }
}

TEST(KnowledgeGraph, AGivenPathReplacesTheDirectorysFile) {
  testing::TempDir dir, other;
  write_splits(dir);
  dir.write("kg_final.txt", "0 0 x\n");  // not read when a path is given
  other.write("triples.txt", "2 0 7\n");
  LoadOptions options;
  options.kg_path = (other.path() / "triples.txt").string();
  const Dataset d = load_dataset(dir.path().string(), options);
  EXPECT_EQ(d.kg.tail, v({7}));
  EXPECT_EQ(d.kg.n_entities, 8);
  options.kg_path = (other.path() / "missing.txt").string();
  EXPECT_THROW(load_dataset(dir.path().string(), options), InputError);
}

// A data set with a knowledge graph, as JSON splits read it.
Dataset with_graph(const testing::TempDir& dir) {
  write_splits(dir);
  dir.write("kg_final.txt", "4 0 5\n0 1 4\n1 1 4\n3 0 0\n");
  dir.write("item2entity.txt", "0 0\n1 1\n3 4\n");
  return load_dataset(dir.path().string());
}

TEST(KnowledgeGraph, PrepareCarriesItMapped) {
  testing::TempDir dir;
  const Dataset d = with_graph(dir);
  const std::string cache = (dir.path() / "cache").string();
  save_dataset_binary(d, cache);
  const Dataset r = load_dataset(cache);
  EXPECT_EQ(r.kg.n_entities, d.kg.n_entities);
  EXPECT_EQ(r.kg.n_relations, d.kg.n_relations);
  for (const auto& [read, written] : {std::pair{&r.kg.head, &d.kg.head}, {&r.kg.relation, &d.kg.relation},
                                      {&r.kg.tail, &d.kg.tail}, {&r.kg.item_entity, &d.kg.item_entity}}) {
    EXPECT_TRUE(read->is_view());
    EXPECT_EQ(*read, *written);
  }
  EXPECT_EQ(r.kg.item_entity, v({0, 1, -1, 4}));
}

TEST(KnowledgeGraph, APreparedSetWithoutOneHasNoKgKeyAndLoadsEmpty) {
  testing::TempDir dir;
  write_splits(dir);
  const std::string cache = (dir.path() / "cache").string();
  save_dataset_binary(load_dataset(dir.path().string()), cache);
  const nlohmann::json m = nlohmann::json::parse(io::read_file(cache + "/manifest.json"));
  EXPECT_FALSE(m.contains("kg"));
  EXPECT_EQ(m["arrays"].size(), 6u);
  EXPECT_TRUE(load_dataset(cache).kg.empty());
}

// The manifest of a prepared set with a knowledge graph, changed by `edit`, must be an
// InputError naming manifest.json whose problem holds `problem`.
void expect_rejected_manifest(const std::function<void(nlohmann::json&)>& edit, const std::string& problem) {
  testing::TempDir dir;
  const std::string cache = (dir.path() / "cache").string();
  save_dataset_binary(with_graph(dir), cache);
  const std::string path = cache + "/manifest.json";
  nlohmann::json m = nlohmann::json::parse(io::read_file(path));
  edit(m);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << m.dump(2);
  try {
    load_dataset(cache);
    ADD_FAILURE() << "accepted a manifest missing " << problem;
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), path);
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
  }
}

nlohmann::json& array_named(nlohmann::json& m, const std::string& name) {
  for (auto& a : m["arrays"])
    if (a["name"] == name) return a;
  throw std::runtime_error("no array " + name);
}

TEST(KnowledgeGraph, ACorruptPreparedGraphIsAnInputError) {
  expect_rejected_manifest([](nlohmann::json& m) { m["kg"]["n_entities"] = 3; }, "inconsistent arrays");
  expect_rejected_manifest([](nlohmann::json& m) { m["kg"]["n_relations"] = 0; }, "'n_relations' is not an integer in [1,");
  expect_rejected_manifest([](nlohmann::json& m) { m["kg"] = 7; }, "'kg': is not an object");
  expect_rejected_manifest([](nlohmann::json& m) { m.erase("kg"); }, "array 'item_entity' is not part of an mmgraph data set");
  expect_rejected_manifest(
      [](nlohmann::json& m) {
        auto& arrays = m["arrays"];
        for (size_t k = 0; k < arrays.size(); ++k)
          if (arrays[k]["name"] == "kg_tail") arrays.erase(k);
      },
      "array 'kg_tail': is missing");
  expect_rejected_manifest(
      [](nlohmann::json& m) {
        array_named(m, "item_entity")["shape"] = {3};
        array_named(m, "item_entity")["bytes"] = 12;
      },
      "array 'item_entity': shape [3] does not fit");
  expect_rejected_manifest(
      [](nlohmann::json& m) {
        array_named(m, "kg_tail")["shape"] = {3};
        array_named(m, "kg_tail")["bytes"] = 12;
      },
      "array 'kg_tail': shape [3]: the triple arrays need one nonzero length (kg_head has 4)");
  expect_rejected_manifest([](nlohmann::json& m) { array_named(m, "kg_relation")["dtype"] = "int64"; },
                           "array 'kg_relation'");
}

}  // namespace
}  // namespace mmgraph
