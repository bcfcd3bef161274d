//! The compiled-in grammars: one match arm per registry id, each behind its crate's feature.
//!
//! The registry data (`grammars/languages.toml`) names the ids; this table binds each id to
//! the grammar crate's `LANGUAGE` and to the query constants the crate ships. An id whose
//! feature is compiled out falls through to `None` and is reported as unavailable.

use super::QueryKind;

/// A grammar that is compiled into this binary, with the queries its crate ships.
pub(crate) struct Grammar {
    /// The tree-sitter language.
    pub language: tree_sitter::Language,
    /// Queries shipped by the grammar crate, by kind.
    pub queries: &'static [(QueryKind, &'static str)],
}

/// The compiled-in grammar for a registry id, or `None` when its feature is off.
pub(crate) fn grammar_for_id(id: &str) -> Option<Grammar> {
    match id {
        #[cfg(feature = "tree-sitter-ada")]
        "ada" => Some(Grammar {
            language: tree_sitter_ada::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_ada::HIGHLIGHTS_QUERY),
                (QueryKind::Locals, tree_sitter_ada::LOCALS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-sfapex")]
        "apex" => Some(Grammar {
            language: tree_sitter_sfapex::apex::LANGUAGE.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_sfapex::apex::HIGHLIGHTS_QUERY,
                ),
                (QueryKind::Tags, tree_sitter_sfapex::apex::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-sfapex")]
        "soql" => Some(Grammar {
            language: tree_sitter_sfapex::soql::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_sfapex::soql::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-sfapex")]
        "sosl" => Some(Grammar {
            language: tree_sitter_sfapex::sosl::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_sfapex::sosl::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-sfapex")]
        "sflog" => Some(Grammar {
            language: tree_sitter_sfapex::sflog::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_sfapex::sflog::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-asm")]
        "asm" => Some(Grammar {
            language: tree_sitter_asm::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_asm::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-astro-next")]
        "astro" => Some(Grammar {
            language: tree_sitter_astro_next::LANGUAGE.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_astro_next::HIGHLIGHTS_QUERY,
                ),
                (
                    QueryKind::Injections,
                    tree_sitter_astro_next::INJECTIONS_QUERY,
                ),
            ],
        }),
        #[cfg(feature = "tree-sitter-bash")]
        "bash" => Some(Grammar {
            language: tree_sitter_bash::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_bash::HIGHLIGHT_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-c")]
        "c" => Some(Grammar {
            language: tree_sitter_c::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_c::HIGHLIGHT_QUERY),
                (QueryKind::Tags, tree_sitter_c::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-c-sharp")]
        "c_sharp" => Some(Grammar {
            language: tree_sitter_c_sharp::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_c_sharp::HIGHLIGHTS_QUERY),
                (QueryKind::Tags, tree_sitter_c_sharp::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-clojure-orchard")]
        "clojure" => Some(Grammar {
            language: tree_sitter_clojure_orchard::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_clojure_orchard::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-cmake")]
        "cmake" => Some(Grammar {
            language: tree_sitter_cmake::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_cmake::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_cmake::INJECTIONS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-commonlisp")]
        "commonlisp" => Some(Grammar {
            language: tree_sitter_commonlisp::LANGUAGE_COMMONLISP.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-cpp")]
        "cpp" => Some(Grammar {
            language: tree_sitter_cpp::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_cpp::HIGHLIGHT_QUERY),
                (QueryKind::Tags, tree_sitter_cpp::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-css")]
        "css" => Some(Grammar {
            language: tree_sitter_css::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_css::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-d")]
        "d" => Some(Grammar {
            language: tree_sitter_d::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-dart")]
        "dart" => Some(Grammar {
            language: tree_sitter_dart::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_dart::HIGHLIGHTS_QUERY),
                (QueryKind::Locals, tree_sitter_dart::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_dart::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-devicetree")]
        "devicetree" => Some(Grammar {
            language: tree_sitter_devicetree::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_devicetree::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-diff")]
        "diff" => Some(Grammar {
            language: tree_sitter_diff::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_diff::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-containerfile")]
        "dockerfile" => Some(Grammar {
            language: tree_sitter_containerfile::LANGUAGE.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_containerfile::HIGHLIGHTS_QUERY,
                ),
                (
                    QueryKind::Injections,
                    tree_sitter_containerfile::INJECTIONS_QUERY,
                ),
            ],
        }),
        #[cfg(feature = "tree-sitter-elisp")]
        "elisp" => Some(Grammar {
            language: tree_sitter_elisp::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_elisp::HIGHLIGHTS_QUERY),
                (QueryKind::Tags, tree_sitter_elisp::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-elixir")]
        "elixir" => Some(Grammar {
            language: tree_sitter_elixir::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_elixir::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_elixir::INJECTIONS_QUERY),
                (QueryKind::Tags, tree_sitter_elixir::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-elm")]
        "elm" => Some(Grammar {
            language: tree_sitter_elm::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_elm::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_elm::INJECTIONS_QUERY),
                (QueryKind::Locals, tree_sitter_elm::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_elm::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-embedded-template")]
        "embedded_template" => Some(Grammar {
            language: tree_sitter_embedded_template::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_embedded_template::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-erlang")]
        "erlang" => Some(Grammar {
            language: tree_sitter_erlang::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_erlang::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-fish")]
        "fish" => Some(Grammar {
            language: tree_sitter_fish::language(),
            queries: &[(QueryKind::Highlights, tree_sitter_fish::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-fortran")]
        "fortran" => Some(Grammar {
            language: tree_sitter_fortran::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_fortran::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-fsharp")]
        "fsharp" => Some(Grammar {
            language: tree_sitter_fsharp::LANGUAGE_FSHARP.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_fsharp::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_fsharp::INJECTIONS_QUERY),
                (QueryKind::Locals, tree_sitter_fsharp::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_fsharp::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-fsharp")]
        "fsharp_signature" => Some(Grammar {
            language: tree_sitter_fsharp::LANGUAGE_SIGNATURE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-gdscript")]
        "gdscript" => Some(Grammar {
            language: tree_sitter_gdscript::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-gleam")]
        "gleam" => Some(Grammar {
            language: tree_sitter_gleam::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_gleam::HIGHLIGHT_QUERY),
                (QueryKind::Locals, tree_sitter_gleam::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_gleam::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-glsl")]
        "glsl" => Some(Grammar {
            language: tree_sitter_glsl::LANGUAGE_GLSL.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_glsl::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-go")]
        "go" => Some(Grammar {
            language: tree_sitter_go::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_go::HIGHLIGHTS_QUERY),
                (QueryKind::Tags, tree_sitter_go::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-gomod-orchard")]
        "gomod" => Some(Grammar {
            language: tree_sitter_gomod_orchard::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_gomod_orchard::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-gosum-orchard")]
        "gosum" => Some(Grammar {
            language: tree_sitter_gosum_orchard::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_gosum_orchard::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-graphql")]
        "graphql" => Some(Grammar {
            language: tree_sitter_graphql::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "dekobon-tree-sitter-groovy")]
        "groovy" => Some(Grammar {
            language: dekobon_tree_sitter_groovy::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                dekobon_tree_sitter_groovy::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-haskell")]
        "haskell" => Some(Grammar {
            language: tree_sitter_haskell::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_haskell::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_haskell::INJECTIONS_QUERY),
                (QueryKind::Locals, tree_sitter_haskell::LOCALS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-hcl")]
        "hcl" => Some(Grammar {
            language: tree_sitter_hcl::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-hlsl")]
        "hlsl" => Some(Grammar {
            language: tree_sitter_hlsl::LANGUAGE_HLSL.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-html")]
        "html" => Some(Grammar {
            language: tree_sitter_html::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_html::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_html::INJECTIONS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-ini")]
        "ini" => Some(Grammar {
            language: tree_sitter_ini::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_ini::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-java")]
        "java" => Some(Grammar {
            language: tree_sitter_java::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_java::HIGHLIGHTS_QUERY),
                (QueryKind::Tags, tree_sitter_java::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-javascript")]
        "javascript" => Some(Grammar {
            language: tree_sitter_javascript::LANGUAGE.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_javascript::HIGHLIGHT_QUERY,
                ),
                (
                    QueryKind::Injections,
                    tree_sitter_javascript::INJECTIONS_QUERY,
                ),
                (QueryKind::Locals, tree_sitter_javascript::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_javascript::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-jsdoc")]
        "jsdoc" => Some(Grammar {
            language: tree_sitter_jsdoc::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_jsdoc::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-json")]
        "json" => Some(Grammar {
            language: tree_sitter_json::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_json::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-julia")]
        "julia" => Some(Grammar {
            language: tree_sitter_julia::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-kotlin-ng")]
        "kotlin" => Some(Grammar {
            language: tree_sitter_kotlin_ng::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "codebook-tree-sitter-latex")]
        "latex" => Some(Grammar {
            language: codebook_tree_sitter_latex::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-lua")]
        "lua" => Some(Grammar {
            language: tree_sitter_lua::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_lua::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_lua::INJECTIONS_QUERY),
                (QueryKind::Locals, tree_sitter_lua::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_lua::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-make")]
        "make" => Some(Grammar {
            language: tree_sitter_make::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_make::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-md")]
        "markdown" => Some(Grammar {
            language: tree_sitter_md::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_md::HIGHLIGHT_QUERY_BLOCK),
                (QueryKind::Injections, tree_sitter_md::INJECTION_QUERY_BLOCK),
            ],
        }),
        #[cfg(feature = "tree-sitter-md")]
        "markdown_inline" => Some(Grammar {
            language: tree_sitter_md::INLINE_LANGUAGE.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_md::HIGHLIGHT_QUERY_INLINE,
                ),
                (
                    QueryKind::Injections,
                    tree_sitter_md::INJECTION_QUERY_INLINE,
                ),
            ],
        }),
        #[cfg(feature = "tree-sitter-matlab")]
        "matlab" => Some(Grammar {
            language: tree_sitter_matlab::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-newick")]
        "newick" => Some(Grammar {
            language: tree_sitter_newick::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-nim")]
        "nim" => Some(Grammar {
            language: tree_sitter_nim::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-nix")]
        "nix" => Some(Grammar {
            language: tree_sitter_nix::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_nix::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_nix::INJECTIONS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-objc")]
        "objc" => Some(Grammar {
            language: tree_sitter_objc::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_objc::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_objc::INJECTIONS_QUERY),
                (QueryKind::Locals, tree_sitter_objc::LOCALS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-ocaml")]
        "ocaml" => Some(Grammar {
            language: tree_sitter_ocaml::LANGUAGE_OCAML.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_ocaml::HIGHLIGHTS_QUERY),
                (QueryKind::Locals, tree_sitter_ocaml::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_ocaml::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-ocaml")]
        "ocaml_interface" => Some(Grammar {
            language: tree_sitter_ocaml::LANGUAGE_OCAML_INTERFACE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-ocaml")]
        "ocaml_type" => Some(Grammar {
            language: tree_sitter_ocaml::LANGUAGE_OCAML_TYPE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-pascal")]
        "pascal" => Some(Grammar {
            language: tree_sitter_pascal::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "ts-parser-perl")]
        "perl" => Some(Grammar {
            language: ts_parser_perl::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, ts_parser_perl::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, ts_parser_perl::INJECTIONS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-php")]
        "php" => Some(Grammar {
            language: tree_sitter_php::LANGUAGE_PHP.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_php::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_php::INJECTIONS_QUERY),
                (QueryKind::Tags, tree_sitter_php::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-php")]
        "php_only" => Some(Grammar {
            language: tree_sitter_php::LANGUAGE_PHP_ONLY.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-powershell")]
        "powershell" => Some(Grammar {
            language: tree_sitter_powershell::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_powershell::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-prisma")]
        "prisma" => Some(Grammar {
            language: tree_sitter_prisma::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_prisma::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-properties")]
        "properties" => Some(Grammar {
            language: tree_sitter_properties::LANGUAGE.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_properties::HIGHLIGHTS_QUERY,
                ),
                (QueryKind::Tags, tree_sitter_properties::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-proto")]
        "proto" => Some(Grammar {
            language: tree_sitter_proto::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-python")]
        "python" => Some(Grammar {
            language: tree_sitter_python::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_python::HIGHLIGHTS_QUERY),
                (QueryKind::Tags, tree_sitter_python::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-ql")]
        "ql" => Some(Grammar {
            language: tree_sitter_ql::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_ql::HIGHLIGHTS_QUERY),
                (QueryKind::Tags, tree_sitter_ql::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-qmljs")]
        "qmljs" => Some(Grammar {
            language: tree_sitter_qmljs::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_qmljs::HIGHLIGHTS_QUERY),
                (QueryKind::Locals, tree_sitter_qmljs::LOCALS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-r")]
        "r" => Some(Grammar {
            language: tree_sitter_r::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_r::HIGHLIGHTS_QUERY),
                (QueryKind::Locals, tree_sitter_r::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_r::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-racket")]
        "racket" => Some(Grammar {
            language: tree_sitter_racket::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_racket::HIGHLIGHTS_QUERY),
                (QueryKind::Locals, tree_sitter_racket::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_racket::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-regex")]
        "regex" => Some(Grammar {
            language: tree_sitter_regex::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_regex::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-requirements")]
        "requirements" => Some(Grammar {
            language: tree_sitter_requirements::LANGUAGE.into(),
            queries: &[(
                QueryKind::Highlights,
                tree_sitter_requirements::HIGHLIGHTS_QUERY,
            )],
        }),
        #[cfg(feature = "tree-sitter-ruby")]
        "ruby" => Some(Grammar {
            language: tree_sitter_ruby::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_ruby::HIGHLIGHTS_QUERY),
                (QueryKind::Locals, tree_sitter_ruby::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_ruby::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-rust")]
        "rust" => Some(Grammar {
            language: tree_sitter_rust::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_rust::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_rust::INJECTIONS_QUERY),
                (QueryKind::Tags, tree_sitter_rust::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-scala")]
        "scala" => Some(Grammar {
            language: tree_sitter_scala::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_scala::HIGHLIGHTS_QUERY),
                (QueryKind::Locals, tree_sitter_scala::LOCALS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-scheme")]
        "scheme" => Some(Grammar {
            language: tree_sitter_scheme::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_scheme::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-slang")]
        "slang" => Some(Grammar {
            language: tree_sitter_slang::LANGUAGE_SLANG.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-solidity")]
        "solidity" => Some(Grammar {
            language: tree_sitter_solidity::LANGUAGE.into(),
            queries: &[
                (QueryKind::Locals, tree_sitter_solidity::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_solidity::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-sequel")]
        "sql" => Some(Grammar {
            language: tree_sitter_sequel::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_sequel::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-starlark")]
        "starlark" => Some(Grammar {
            language: tree_sitter_starlark::LANGUAGE.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_starlark::HIGHLIGHTS_QUERY,
                ),
                (
                    QueryKind::Injections,
                    tree_sitter_starlark::INJECTIONS_QUERY,
                ),
                (QueryKind::Locals, tree_sitter_starlark::LOCALS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-svelte-ng")]
        "svelte" => Some(Grammar {
            language: tree_sitter_svelte_ng::LANGUAGE.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_svelte_ng::HIGHLIGHTS_QUERY,
                ),
                (QueryKind::Locals, tree_sitter_svelte_ng::LOCALS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-swift")]
        "swift" => Some(Grammar {
            language: tree_sitter_swift::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_swift::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_swift::INJECTIONS_QUERY),
                (QueryKind::Locals, tree_sitter_swift::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_swift::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-systemverilog")]
        "systemverilog" => Some(Grammar {
            language: tree_sitter_systemverilog::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-toml-ng")]
        "toml" => Some(Grammar {
            language: tree_sitter_toml_ng::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_toml_ng::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-typescript")]
        "typescript" => Some(Grammar {
            language: tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_typescript::HIGHLIGHTS_QUERY,
                ),
                (QueryKind::Locals, tree_sitter_typescript::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_typescript::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-typescript")]
        "tsx" => Some(Grammar {
            language: tree_sitter_typescript::LANGUAGE_TSX.into(),
            queries: &[
                (
                    QueryKind::Highlights,
                    tree_sitter_typescript::HIGHLIGHTS_QUERY,
                ),
                (QueryKind::Locals, tree_sitter_typescript::LOCALS_QUERY),
                (QueryKind::Tags, tree_sitter_typescript::TAGS_QUERY),
            ],
        }),
        #[cfg(feature = "tree-sitter-vb-dotnet")]
        "vbnet" => Some(Grammar {
            language: tree_sitter_vb_dotnet::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-verilog")]
        "verilog" => Some(Grammar {
            language: tree_sitter_verilog::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-vhdl")]
        "vhdl" => Some(Grammar {
            language: tree_sitter_vhdl::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-wgsl-bevy")]
        "wgsl" => Some(Grammar {
            language: tree_sitter_wgsl_bevy::LANGUAGE.into(),
            queries: &[],
        }),
        #[cfg(feature = "tree-sitter-xml")]
        "xml" => Some(Grammar {
            language: tree_sitter_xml::LANGUAGE_XML.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_xml::XML_HIGHLIGHT_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-xml")]
        "dtd" => Some(Grammar {
            language: tree_sitter_xml::LANGUAGE_DTD.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_xml::DTD_HIGHLIGHT_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-yaml")]
        "yaml" => Some(Grammar {
            language: tree_sitter_yaml::LANGUAGE.into(),
            queries: &[(QueryKind::Highlights, tree_sitter_yaml::HIGHLIGHTS_QUERY)],
        }),
        #[cfg(feature = "tree-sitter-zig")]
        "zig" => Some(Grammar {
            language: tree_sitter_zig::LANGUAGE.into(),
            queries: &[
                (QueryKind::Highlights, tree_sitter_zig::HIGHLIGHTS_QUERY),
                (QueryKind::Injections, tree_sitter_zig::INJECTIONS_QUERY),
            ],
        }),
        _ => None,
    }
}
