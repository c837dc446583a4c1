#pragma once
// A knowledge graph in KGAT's layout: kg_final.txt holds one triple a line,
// "head relation tail" as whitespace-separated non-negative integer ids; beside it,
// when present, relation_list.txt and entity_list.txt (the header "org_id remap_id",
// then "name id" a line) and item2entity.txt ("item entity" a line, no header).
#include <cstdint>
#include <istream>
#include <string>

#include "mmgraph/dataset.h"

namespace mmgraph::io {

// One input text and its name in messages; in == nullptr when the file is absent.
struct KgText {
  std::istream* in = nullptr;
  std::string source;
};

// The texts of one knowledge graph; triples is required, the three others optional.
struct KgTexts {
  KgText triples, relation_list, entity_list, item2entity;
};

// The knowledge graph of a data set of n_items items. Relations number the
// relation list's lines when it is given (ids 0 .. n-1, each once), else the
// largest relation id + 1; entities likewise with the entity list. Item i is
// entity i unless item2entity maps the items (each at most once; an item it does
// not list has no entity); under that identity, without an entity list, the
// entity count is raised to n_items (items beyond the triples' entities have none
// of their triples), and an entity list must name at least n_items entities.
// Duplicate triples collapse; blank lines are skipped. A malformed line (field
// count, an id that is not an integer in [0, 2^31 - 1)), an id outside its list,
// a relation the list does not name, an item listed twice or beyond n_items, ids
// far sparser than their count (as for interactions), an empty file: InputError
// naming the file and "line N".
KnowledgeGraph read_knowledge_graph(const KgTexts& texts, int32_t n_items);

// read_knowledge_graph of the triples file at triples_path and of the lists of
// the same directory that exist (relation_list.txt, entity_list.txt, item2entity.txt).
KnowledgeGraph load_knowledge_graph(const std::string& triples_path, int32_t n_items);

}  // namespace mmgraph::io
