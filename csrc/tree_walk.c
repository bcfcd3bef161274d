// The bytecode encoder's tree walk (`src/bytecode/walk.rs`): one preorder pass over a tree's
// subtrees that records every node a `TSTreeCursor` would visit, with the facts the encoder
// needs, without the cursor's per-step work (the cursor re-derives child positions, alias
// sequences and descendant indices on every step, and walks the field map up through hidden
// ancestors for every node).
//
// It follows tree-sitter's own `tree_cursor.c` (visibility, aliases, fields) and `subtree.c`
// (what `ts_node_string` prints for an ERROR leaf) of the exact tree-sitter version this crate
// is built with: build.rs compiles it against that crate's private headers. The encoder's
// tests compare its output with the cursor walk node by node.

#include <stdint.h>
#include <stdlib.h>

#include "tree_sitter/api.h"
#include "./language.h"
#include "./subtree.h"
#include "./tree.h"

// Keep in step with `WalkNode` in src/bytecode/walk.rs.
typedef struct {
  uint32_t start;
  uint32_t end;
  uint32_t closes;
  // For an ERROR leaf printed as `(UNEXPECTED c)`: the lexer's lookahead character.
  int32_t lookahead_char;
  uint16_t symbol;
  uint16_t field;
  uint8_t flags;
  uint8_t leaf;
  uint8_t pad[2];
} SyntaxdWalkNode;

enum {
  WALK_EXTRA = 1,
  WALK_MISSING = 2,
  WALK_HAS_ERROR = 4,
  WALK_UNEXPECTED = 8,
};

// Results of `syntaxd_tree_walk`.
enum {
  WALK_DONE = 0,
  WALK_CANCELLED = 1,
  WALK_NO_ROOM = 2,
  WALK_NO_MEMORY = 3,
};

typedef struct {
  Subtree parent;
  const TSSymbol *alias_sequence;
  const TSFieldMapEntry *field_map;
  const TSFieldMapEntry *field_map_end;
  uint32_t child_index;
  uint32_t structural_child_index;
  // The next child's start byte (after its padding), as `ts_tree_cursor_child_iterator_next`
  // keeps it, and its row and column: kept only when nodes of wanted kinds are asked for
  // (tracking them costs the plain encoder's walk a fifth of its time).
  uint32_t position;
  TSPoint point;
  // Index of the parent's record when it is visible; UINT32_MAX for a hidden parent.
  uint32_t record;
  // The field a hidden parent carries down to its children (0 for a visible parent).
  uint16_t inherited_field;
  // Whether a record was written below the parent (a visible parent is then no leaf).
  uint8_t wrote;
} Frame;

static inline TSSymbol public_symbol(const TSLanguage *language, TSSymbol symbol) {
  if (symbol == ts_builtin_sym_error) return symbol;
  return language->public_symbol_map[symbol];
}

static inline uint16_t field_of(const Frame *frame) {
  for (const TSFieldMapEntry *map = frame->field_map; map < frame->field_map_end; map++) {
    if (!map->inherited && map->child_index == frame->structural_child_index) {
      return map->field_id;
    }
  }
  return frame->inherited_field;
}

// MISSING subtrees anywhere below `root` (inclusive): the cursor never visits those inside a
// hidden subtree with no visible child, but `ts_node_string` prints them all.
static uint32_t count_missing(Subtree root, Subtree **stack, uint32_t *capacity) {
  uint32_t count = 0;
  uint32_t size = 0;
  (*stack)[size++] = root;
  while (size > 0) {
    Subtree subtree = (*stack)[--size];
    if (ts_subtree_missing(subtree)) count++;
    uint32_t n = ts_subtree_child_count(subtree);
    if (n == 0 || ts_subtree_error_cost(subtree) == 0) continue;
    if (size + n > *capacity) {
      uint32_t wanted = (size + n) * 2;
      Subtree *grown = realloc(*stack, wanted * sizeof(Subtree));
      if (!grown) return UINT32_MAX;
      *stack = grown;
      *capacity = wanted;
    }
    const Subtree *children = ts_subtree_children(subtree);
    for (uint32_t i = 0; i < n; i++) (*stack)[size++] = children[i];
  }
  return count;
}

static inline int push_frame(Frame **frames, uint32_t *size, uint32_t *capacity, Frame frame) {
  if (*size == *capacity) {
    uint32_t wanted = *capacity * 2;
    Frame *grown = realloc(*frames, wanted * sizeof(Frame));
    if (!grown) return 0;
    *frames = grown;
    *capacity = wanted;
  }
  (*frames)[(*size)++] = frame;
  return 1;
}

static inline Frame frame_for(const TSLanguage *language, Subtree parent, Length position,
                              uint32_t record, uint16_t inherited_field) {
  Frame frame = {
    .parent = parent,
    .alias_sequence = ts_language_alias_sequence(language, parent.ptr->production_id),
    .field_map = NULL,
    .field_map_end = NULL,
    .child_index = 0,
    .structural_child_index = 0,
    .position = position.bytes,
    .point = position.extent,
    .record = record,
    .inherited_field = inherited_field,
    .wrote = 0,
  };
  ts_language_field_map(language, parent.ptr->production_id, &frame.field_map,
                        &frame.field_map_end);
  return frame;
}

// Walks the tree of `root` (a tree's root node), writing at most `capacity` records to `out`.
// `*count` is the number of records (nodes the cursor visits, in its order); `*hidden_missing`
// the MISSING subtrees the cursor does not visit (counted only when `with_errors`).
// `cancelled(data)` is polled every `poll_every` records. With `wanted`, it also does what
// `syntaxd_find_kinds` does in the same pass: `found(data, node)` for every visited node whose
// kind has `wanted[kind] & mask` set (kinds at or past `kind_count` are not wanted).
int syntaxd_tree_walk(
  TSNode root,
  SyntaxdWalkNode *out,
  uint32_t capacity,
  uint32_t *count,
  uint32_t *hidden_missing,
  int (*cancelled)(void *),
  void *data,
  uint32_t poll_every,
  const uint8_t *wanted,
  uint32_t kind_count,
  uint8_t mask,
  void (*found)(void *, TSNode)
) {
  const TSTree *tree = root.tree;
  const TSLanguage *language = tree->language;
  Subtree subtree = *(const Subtree *)root.id;
  bool with_errors = ts_subtree_error_cost(subtree) > 0;
  uint32_t n = 0;
  *count = 0;
  *hidden_missing = 0;
  if (capacity == 0) return WALK_NO_ROOM;

  uint32_t root_start = root.context[0];  // ts_node_start_byte
  if (wanted && !found) wanted = NULL;
  out[n++] = (SyntaxdWalkNode) {
    .start = root_start,
    .end = root_start + ts_subtree_size(subtree).bytes,
    .closes = 0,
    .lookahead_char = 0,
    .symbol = public_symbol(language, ts_subtree_symbol(subtree)),
    .field = 0,
    .flags = (uint8_t)((ts_subtree_extra(subtree) ? WALK_EXTRA : 0) |
                       (ts_subtree_missing(subtree) ? WALK_MISSING : 0) |
                       (with_errors ? WALK_HAS_ERROR : 0)),
    .leaf = 1,
  };
  if (with_errors && ts_subtree_is_error(subtree) && ts_subtree_child_count(subtree) == 0 &&
      subtree.ptr->size.bytes > 0) {
    out[0].flags |= WALK_UNEXPECTED;
    out[0].lookahead_char = subtree.ptr->lookahead_char;
  }
  if (wanted && out[0].symbol < kind_count && (wanted[out[0].symbol] & mask)) found(data, root);
  if (ts_subtree_child_count(subtree) == 0) {
    *count = n;
    return WALK_DONE;
  }

  uint32_t frames_capacity = 64;
  uint32_t frames_size = 0;
  Frame *frames = malloc(frames_capacity * sizeof(Frame));
  uint32_t missing_capacity = 64;
  Subtree *missing_stack = NULL;
  if (!frames) return WALK_NO_MEMORY;
  Length root_position = {root_start, ts_node_start_point(root)};
  frames[frames_size++] = frame_for(language, subtree, root_position, 0, 0);
  int result = WALK_DONE;

  while (frames_size > 0) {
    Frame *frame = &frames[frames_size - 1];
    if (frame->child_index == frame->parent.ptr->child_count) {
      // The parent's children are done.
      Frame done = *frame;
      frames_size--;
      if (done.record != UINT32_MAX && done.wrote) {
        out[n - 1].closes++;
        out[done.record].leaf = 0;
      }
      continue;
    }

    const Subtree *children = ts_subtree_children(frame->parent);
    const Subtree *child_ref = &children[frame->child_index];
    Subtree child = *child_ref;
    Length position = {frame->position, frame->point};
    bool extra = ts_subtree_extra(child);
    TSSymbol alias = 0;
    uint16_t field = 0;
    if (!extra) {
      if (frame->alias_sequence) alias = frame->alias_sequence[frame->structural_child_index];
      field = field_of(frame);
      frame->structural_child_index++;
    }
    bool visible = ts_subtree_visible(child) || alias != 0;
    // Advance the parent's iterator as `ts_tree_cursor_child_iterator_next` does.
    if (wanted) {
      Length next = length_add(position, ts_subtree_size(child));
      frame->child_index++;
      if (frame->child_index < frame->parent.ptr->child_count) {
        next = length_add(next, ts_subtree_padding(children[frame->child_index]));
      }
      frame->position = next.bytes;
      frame->point = next.extent;
    } else {
      frame->position += ts_subtree_size(child).bytes;
      frame->child_index++;
      if (frame->child_index < frame->parent.ptr->child_count) {
        frame->position += ts_subtree_padding(children[frame->child_index]).bytes;
      }
    }
    uint32_t child_count = ts_subtree_child_count(child);

    if (visible) {
      if (n == capacity) {
        result = WALK_NO_ROOM;
        break;
      }
      if (poll_every && n % poll_every == 0 && cancelled && cancelled(data)) {
        result = WALK_CANCELLED;
        break;
      }
      uint8_t flags = extra ? WALK_EXTRA : 0;
      int32_t lookahead = 0;
      if (with_errors) {
        if (ts_subtree_missing(child)) flags |= WALK_MISSING;
        if (ts_subtree_error_cost(child) > 0) flags |= WALK_HAS_ERROR;
        if (ts_subtree_is_error(child) && child_count == 0 && child.ptr->size.bytes > 0) {
          flags |= WALK_UNEXPECTED;
          lookahead = child.ptr->lookahead_char;
        }
      }
      uint32_t record = n;
      TSSymbol kind = public_symbol(language, alias ? alias : ts_subtree_symbol(child));
      out[n++] = (SyntaxdWalkNode) {
        .start = position.bytes,
        .end = position.bytes + ts_subtree_size(child).bytes,
        .closes = 0,
        .lookahead_char = lookahead,
        .symbol = kind,
        .field = field,
        .flags = flags,
        .leaf = 1,
      };
      if (wanted && kind < kind_count && (wanted[kind] & mask)) {
        found(data, ts_node_new(tree, child_ref, position, alias));
      }
      // Marks every hidden frame up to the nearest visible one as having written.
      for (uint32_t i = frames_size; i > 0; i--) {
        Frame *up = &frames[i - 1];
        if (up->wrote) break;
        up->wrote = 1;
        if (up->record != UINT32_MAX) break;
      }
      if (child_count > 0 && ts_subtree_visible_child_count(child) > 0) {
        if (!push_frame(&frames, &frames_size, &frames_capacity,
                        frame_for(language, child, position, record, 0))) {
          result = WALK_NO_MEMORY;
          break;
        }
        continue;
      }
      if (!(with_errors && child_count > 0 && ts_subtree_error_cost(child) > 0)) continue;
      // A visible leaf with hidden children: count the MISSING nodes among them below.
    } else if (child_count > 0 && ts_subtree_visible_child_count(child) > 0) {
      if (!push_frame(&frames, &frames_size, &frames_capacity,
                      frame_for(language, child, position, UINT32_MAX, extra ? 0 : field))) {
        result = WALK_NO_MEMORY;
        break;
      }
      continue;
    }
    if (with_errors && ts_subtree_error_cost(child) > 0) {
      // A subtree whose nodes the cursor skips (hidden with no visible child, or the hidden
      // children of a visible leaf): count the MISSING nodes inside it.
      if (!missing_stack) {
        missing_stack = malloc(missing_capacity * sizeof(Subtree));
        if (!missing_stack) {
          result = WALK_NO_MEMORY;
          break;
        }
      }
      uint32_t found = count_missing(child, &missing_stack, &missing_capacity);
      if (found == UINT32_MAX) {
        result = WALK_NO_MEMORY;
        break;
      }
      *hidden_missing += found;
    }
  }

  free(frames);
  free(missing_stack);
  *count = n;
  return result;
}

// --- The symbol extractor's walk -------------------------------------------------------------

typedef struct {
  Subtree parent;
  const TSSymbol *alias_sequence;
  uint32_t child_index;
  uint32_t structural_child_index;
  // The next child's start (after its padding), as `ts_node_child_iterator_next` keeps it.
  Length position;
} KindFrame;

// Calls `found(data, node)` for every node below `root` (inclusive) that a `TSTreeCursor`
// visits, in its preorder, whose kind (`ts_node_symbol`: the alias if any, as public symbol)
// has `wanted[kind] & mask` set; kinds at or past `kind_count` are not wanted. The symbol
// extractor runs its tags query at those nodes only; stepping a cursor over every node to find
// them cost as much as the queries. `cancelled(data)` is polled every `poll_every` nodes.
int syntaxd_find_kinds(
  TSNode root,
  const uint8_t *wanted,
  uint32_t kind_count,
  uint8_t mask,
  void (*found)(void *, TSNode),
  int (*cancelled)(void *),
  void *data,
  uint32_t poll_every
) {
  const TSTree *tree = root.tree;
  const TSLanguage *language = tree->language;
  const Subtree *root_subtree = (const Subtree *)root.id;
  TSSymbol root_kind = ts_node_symbol(root);
  if (root_kind < kind_count && (wanted[root_kind] & mask)) found(data, root);
  if (ts_subtree_child_count(*root_subtree) == 0) return WALK_DONE;

  uint32_t capacity = 64;
  uint32_t size = 0;
  KindFrame *frames = malloc(capacity * sizeof(KindFrame));
  if (!frames) return WALK_NO_MEMORY;
  frames[size++] = (KindFrame) {
    .parent = *root_subtree,
    .alias_sequence = ts_language_alias_sequence(language, root_subtree->ptr->production_id),
    .child_index = 0,
    .structural_child_index = 0,
    .position = {ts_node_start_byte(root), ts_node_start_point(root)},
  };
  uint32_t visited = 0;
  int result = WALK_DONE;
  while (size > 0) {
    KindFrame *frame = &frames[size - 1];
    if (frame->child_index == frame->parent.ptr->child_count) {
      size--;
      continue;
    }
    const Subtree *children = ts_subtree_children(frame->parent);
    const Subtree *child = &children[frame->child_index];
    Length position = frame->position;
    TSSymbol alias = 0;
    if (!ts_subtree_extra(*child)) {
      if (frame->alias_sequence) alias = frame->alias_sequence[frame->structural_child_index];
      frame->structural_child_index++;
    }
    frame->position = length_add(frame->position, ts_subtree_size(*child));
    frame->child_index++;
    if (frame->child_index < frame->parent.ptr->child_count) {
      frame->position = length_add(frame->position, ts_subtree_padding(children[frame->child_index]));
    }
    if (ts_subtree_visible(*child) || alias != 0) {
      visited++;
      if (poll_every && visited % poll_every == 0 && cancelled && cancelled(data)) {
        result = WALK_CANCELLED;
        break;
      }
      TSSymbol kind = public_symbol(language, alias ? alias : ts_subtree_symbol(*child));
      if (kind < kind_count && (wanted[kind] & mask)) {
        found(data, ts_node_new(tree, child, position, alias));
      }
    }
    if (ts_subtree_child_count(*child) > 0 && ts_subtree_visible_child_count(*child) > 0) {
      if (size == capacity) {
        KindFrame *grown = realloc(frames, capacity * 2 * sizeof(KindFrame));
        if (!grown) {
          result = WALK_NO_MEMORY;
          break;
        }
        frames = grown;
        capacity *= 2;
      }
      frames[size++] = (KindFrame) {
        .parent = *child,
        .alias_sequence = ts_language_alias_sequence(language, child->ptr->production_id),
        .child_index = 0,
        .structural_child_index = 0,
        .position = position,
      };
    }
  }
  free(frames);
  return result;
}
